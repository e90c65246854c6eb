namespace Flows.Core.Flows;

/// <summary>
/// One entry of a multi-scale body: a flow layer applied to the current x, or a factor-out that keeps the first
/// <see cref="KeepChannels"/> channels and appends the rest to the latent list (the original's keepChannels).
/// </summary>
public readonly record struct BodyStep(FlowLayer? Layer, int KeepChannels)
{
    public static BodyStep Of(FlowLayer layer) => new(layer, 0);

    public static BodyStep FactorOut(int keepChannels) => new(null, keepChannels);

    public bool IsFactorOut => Layer is null;
}

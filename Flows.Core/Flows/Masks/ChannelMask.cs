namespace Flows.Core.Flows;

/// <summary>
/// Channel halves by chunk(2) (docs/MODELS.md §4.4): reverse = false transforms the first half conditioned on the
/// second; reverse = true transforms the second conditioned on the first. The st-network sees only the
/// conditioning half; s and t have C/2 channels.
/// </summary>
public sealed class ChannelMask : CouplingMask
{
    public ChannelMask(bool reverse) : base(reverse) { }

    public override string Kind => "channel";

    public override int TransformedChannels(int channels) => channels / 2;

    /// <summary>(the half to transform, the conditioning half).</summary>
    public (Tensor Change, Tensor Identity) Split(Tensor x)
    {
        var (first, second) = Ops.ChunkChannels(x);
        return Reverse ? (second, first) : (first, second);
    }

    /// <summary>Puts the halves back in their original channel order.</summary>
    public Tensor Merge(Tensor identity, Tensor change) =>
        Reverse ? Ops.ConcatChannels(identity, change) : Ops.ConcatChannels(change, identity);

    public override void Validate(int[] shape, string layer)
    {
        if (shape.Length is not (1 or 3) || shape[0] % 2 != 0)
            throw new ArgumentException($"{layer}: a channel-wise mask needs an even channel count, got per-sample shape {Shapes.Format(shape)}");
    }
}

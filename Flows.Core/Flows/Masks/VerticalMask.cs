namespace Flows.Core.Flows;

/// <summary>Halves by columns, split = W/2: b = 1 on columns [0, split); reverse puts b = 1 on [split, W).</summary>
public sealed class VerticalMask : SpatialMask
{
    public VerticalMask(bool reverse) : base(reverse) { }

    public override string Kind => "vertical";

    public override float[] IdentityPattern(int[] shape) =>
        PerPixel(shape, (_, j, _, w) => (j < w / 2) != Reverse);

    public override void Validate(int[] shape, string layer)
    {
        base.Validate(shape, layer);
        if (shape[2] < 2) throw new ArgumentException($"{layer}: a vertical mask needs width ≥ 2, got per-sample shape {Shapes.Format(shape)}");
    }
}

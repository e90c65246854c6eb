namespace Flows.Core.Flows;

/// <summary>
/// Halves by rows, split = H/2 (integer division): b = 1 on rows [0, split) (top conditions, bottom is
/// transformed); reverse puts b = 1 on rows [split, H).
/// </summary>
public sealed class HorizontalMask : SpatialMask
{
    public HorizontalMask(bool reverse) : base(reverse) { }

    public override string Kind => "horizontal";

    public override float[] IdentityPattern(int[] shape) =>
        PerPixel(shape, (i, _, h, _) => (i < h / 2) != Reverse);

    public override void Validate(int[] shape, string layer)
    {
        base.Validate(shape, layer);
        if (shape[1] < 2) throw new ArgumentException($"{layer}: a horizontal mask needs height ≥ 2, got per-sample shape {Shapes.Format(shape)}");
    }
}

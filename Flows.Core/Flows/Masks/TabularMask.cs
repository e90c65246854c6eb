namespace Flows.Core.Flows;

/// <summary>Feature vectors [D]: split = D/2, b = 1 on [0, split); reverse puts b = 1 on [split, D).</summary>
public sealed class TabularMask : SpatialMask
{
    public TabularMask(bool reverse) : base(reverse) { }

    public override string Kind => "tabular";

    public override float[] IdentityPattern(int[] shape)
    {
        int d = shape[0], split = d / 2;
        var values = new float[d];
        for (int i = 0; i < d; i++) values[i] = (i < split) != Reverse ? 1f : 0f;
        return values;
    }

    public override void Validate(int[] shape, string layer)
    {
        if (shape.Length != 1 || shape[0] < 2)
            throw new ArgumentException($"{layer}: a tabular mask needs inputs [N, D] with D ≥ 2, got per-sample shape {Shapes.Format(shape)}");
    }
}

namespace Flows.Core.Flows;

/// <summary>b[i, j] = (i + j) mod 2 on every channel, top-left 0; reverse flips it. Pixels with b = 0 are transformed.</summary>
public sealed class CheckerboardMask : SpatialMask
{
    public CheckerboardMask(bool reverse) : base(reverse) { }

    public override string Kind => "checkerboard";

    public override float[] IdentityPattern(int[] shape) =>
        PerPixel(shape, (i, j, _, _) => ((i + j) % 2 == 1) != Reverse);
}

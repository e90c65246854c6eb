namespace Flows.Core.Flows;

/// <summary>
/// The cycle-mask (docs/MODELS.md §4.4, Fig. 13): quadrant q_in conditions, quadrant q_out is transformed, the
/// other two pass through. Quadrants: 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left, split at H/2, W/2.
/// </summary>
public sealed class QuadrantMask : SpatialMask
{
    public QuadrantMask(int inputQuadrant, int outputQuadrant) : base(false)
    {
        if (inputQuadrant is < 0 or > 3 || outputQuadrant is < 0 or > 3 || inputQuadrant == outputQuadrant)
            throw new ArgumentException($"quadrant mask: quadrants must be distinct values in 0..3, got {inputQuadrant}→{outputQuadrant}");
        InputQuadrant = inputQuadrant;
        OutputQuadrant = outputQuadrant;
    }

    public int InputQuadrant { get; }
    public int OutputQuadrant { get; }

    public override string Kind => "quadrant";

    public override float[] IdentityPattern(int[] shape) => Quadrant(shape, InputQuadrant);

    public override float[] TransformedPattern(int[] shape) => Quadrant(shape, OutputQuadrant);

    /// <summary>1 on quadrant q of a [C, H, W] pattern.</summary>
    public static float[] Quadrant(int[] shape, int q) =>
        PerPixel(shape, (i, j, h, w) =>
        {
            bool top = i < h / 2, left = j < w / 2;
            return q switch { 0 => top && left, 1 => top && !left, 2 => !top && !left, _ => !top && left };
        });

    public override void Validate(int[] shape, string layer)
    {
        base.Validate(shape, layer);
        if (shape[1] < 2 || shape[2] < 2)
            throw new ArgumentException($"{layer}: a quadrant mask needs height and width ≥ 2, got per-sample shape {Shapes.Format(shape)}");
    }

    public override string ToString() => $"quadrant({InputQuadrant}→{OutputQuadrant})";
}

using System.Globalization;
using Flows.Core.Flows;

namespace Flows.Core.Figures;

/// <summary>
/// The paper's Fig. 13 (docs/MODELS.md §7.6): one panel per coupling layer of the cycle-mask model, each a picture
/// of its <see cref="QuadrantMask"/> on an H×W image: the conditioning (identity) quadrant in blue, the transformed
/// quadrant in orange, the two quadrants that pass through in light gray. Column labels carry the arrows
/// ("layer 1: 0->1", …), so four panels read 0→1→2→3→0.
/// </summary>
public static class CycleMaskDiagram
{
    /// <summary>Colors as RGB in [0, 1] (tab10 blue and orange, and a light gray).</summary>
    public static readonly (float R, float G, float B) Conditioning = (31 / 255f, 119 / 255f, 180 / 255f);
    public static readonly (float R, float G, float B) Transformed = (255 / 255f, 127 / 255f, 14 / 255f);
    public static readonly (float R, float G, float B) PassThrough = (220 / 255f, 220 / 255f, 220 / 255f);

    /// <summary>Layers the paper's figure shows: one full cycle.</summary>
    public const int CycleLength = 4;

    /// <summary>A 3×H×W (channel-planar) picture of one mask, taken from the mask's own patterns.</summary>
    public static float[] Cell(QuadrantMask mask, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var shape = new[] { 1, height, width };
        mask.Validate(shape, mask.ToString());
        var identity = mask.IdentityPattern(shape);
        var transformed = mask.TransformedPattern(shape);
        int plane = height * width;
        var chw = new float[3 * plane];
        for (int i = 0; i < plane; i++)
        {
            var (r, g, b) = identity[i] > 0 ? Conditioning : transformed[i] > 0 ? Transformed : PassThrough;
            chw[i] = r;
            chw[plane + i] = g;
            chw[2 * plane + i] = b;
        }
        return chw;
    }

    /// <summary>One row of panels, one per mask (the first <see cref="CycleLength"/> of a model's couplings show one cycle).</summary>
    public static ImageGrid Grid(IReadOnlyList<QuadrantMask> masks, int height = 16, int width = 16, int upscale = 6)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0) throw new ArgumentException("the diagram needs at least one quadrant mask", nameof(masks));
        var grid = new ImageGrid(1, masks.Count)
        {
            Upscale = upscale,
            Padding = 4,
            ColumnLabels = masks.Select((m, k) => string.Create(CultureInfo.InvariantCulture,
                $"layer {k + 1}: {m.InputQuadrant}->{m.OutputQuadrant}")).ToArray(),
        };
        for (int k = 0; k < masks.Count; k++)
            grid.Set(0, k, Cell(masks[k], height, width), 3, height, width, CellScaling.AsIs);
        return grid;
    }
}

namespace Flows.Core.Flows;

/// <summary>
/// Which part of the input a coupling layer transforms and which part conditions it (docs/MODELS.md §4.4).
/// Two families: <see cref="SpatialMask"/> (the st-network sees the full-size masked input) and
/// <see cref="ChannelMask"/> (the input is split into channel halves).
/// </summary>
public abstract class CouplingMask
{
    protected CouplingMask(bool reverse) => Reverse = reverse;

    public bool Reverse { get; }

    /// <summary>"checkerboard", "channel", "horizontal", "vertical", "quadrant" or "tabular".</summary>
    public abstract string Kind { get; }

    /// <summary>The channel count of s, t and the rescale for an input with this many channels.</summary>
    public abstract int TransformedChannels(int channels);

    /// <summary>Throws naming the layer when the per-sample input shape does not fit this mask.</summary>
    public abstract void Validate(int[] shape, string layer);

    public override string ToString() => $"{Kind}(reverse={Reverse})";
}

/// <summary>
/// A mask over element positions: b = 1 where the input conditions the st-network (x·b is its full-size input),
/// m = 1 where the coupling transforms. For most masks m = 1 − b; the cycle-mask transforms another quadrant.
/// </summary>
public abstract class SpatialMask : CouplingMask
{
    protected SpatialMask(bool reverse) : base(reverse) { }

    public override int TransformedChannels(int channels) => channels;

    /// <summary>b for one sample of the given shape, in row-major order.</summary>
    public abstract float[] IdentityPattern(int[] shape);

    /// <summary>m for one sample: the fused coupling kernel's mask.</summary>
    public virtual float[] TransformedPattern(int[] shape)
    {
        var b = IdentityPattern(shape);
        for (int i = 0; i < b.Length; i++) b[i] = 1f - b[i];
        return b;
    }

    public override void Validate(int[] shape, string layer)
    {
        if (shape.Length != 3)
            throw new ArgumentException($"{layer}: a {Kind} mask needs image inputs [N, C, H, W], got per-sample shape {Shapes.Format(shape)}");
    }

    /// <summary>Fills a [C, H, W] pattern whose value depends only on the pixel position.</summary>
    protected static float[] PerPixel(int[] shape, Func<int, int, int, int, bool> isOne)
    {
        int c = shape[0], h = shape[1], w = shape[2];
        var values = new float[c * h * w];
        for (int k = 0; k < c; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    values[(k * h + i) * w + j] = isOne(i, j, h, w) ? 1f : 0f;
        return values;
    }
}

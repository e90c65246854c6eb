using System.Numerics;

namespace Flows.Core.Features;

/// <summary>
/// Bilinear resizing of one plane with PyTorch's <c>F.interpolate(mode="bilinear", align_corners=False)</c>
/// semantics and no antialiasing (docs/FEATURES.md, "Preprocessing"): output pixel i samples the input at
/// src = (i + 0.5)·(in/out) − 0.5, clamped below at 0; it blends rows ⌊src⌋ and ⌊src⌋ + 1 (the latter clamped
/// to the last row) with weights 1 − λ and λ, λ = src − ⌊src⌋. The same holds for ONNX Resize with
/// mode=linear and coordinate_transformation_mode=half_pixel, which the parity tests use as the reference.
/// The index and weight tables are computed once per (input, output) size.
/// </summary>
public sealed class BilinearResize
{
    private readonly int[] _y0, _y1, _x0, _x1;
    private readonly float[] _ly, _lx;

    /// <summary>Tables for inH×inW → outH×outW.</summary>
    public BilinearResize(int inHeight, int inWidth, int outHeight, int outWidth)
    {
        if (inHeight <= 0 || inWidth <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(inHeight), $"resize sizes must be positive, got {inHeight}×{inWidth} → {outHeight}×{outWidth}");
        (InHeight, InWidth, OutHeight, OutWidth) = (inHeight, inWidth, outHeight, outWidth);
        (_y0, _y1, _ly) = Axis(inHeight, outHeight);
        (_x0, _x1, _lx) = Axis(inWidth, outWidth);
    }

    /// <summary>Input height.</summary>
    public int InHeight { get; }
    /// <summary>Input width.</summary>
    public int InWidth { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    private static (int[], int[], float[]) Axis(int input, int output)
    {
        var i0 = new int[output];
        var i1 = new int[output];
        var lambda = new float[output];
        float scale = (float)input / output; // PyTorch's area_pixel_compute_scale for align_corners=False
        for (int i = 0; i < output; i++)
        {
            float src = Math.Max((i + 0.5f) * scale - 0.5f, 0f);
            int lo = Math.Min((int)src, input - 1);
            i0[i] = lo;
            i1[i] = Math.Min(lo + 1, input - 1);
            lambda[i] = src - lo;
        }
        return (i0, i1, lambda);
    }

    /// <summary>Resizes a plane of bytes (values 0–255 kept as they are) into floats.</summary>
    public void Resize(ReadOnlySpan<byte> source, Span<float> destination) => Resize<byte>(source, destination);

    /// <summary>Resizes a plane of floats.</summary>
    public void Resize(ReadOnlySpan<float> source, Span<float> destination) => Resize<float>(source, destination);

    // One loop for both element types (the JIT specialises it per type; bytes convert to float exactly).
    private void Resize<T>(ReadOnlySpan<T> source, Span<float> destination) where T : unmanaged, INumberBase<T>
    {
        Check(source.Length, destination.Length);
        for (int y = 0; y < OutHeight; y++)
        {
            int r0 = _y0[y] * InWidth, r1 = _y1[y] * InWidth;
            float ly = _ly[y];
            var row = destination.Slice(y * OutWidth, OutWidth);
            for (int x = 0; x < OutWidth; x++)
            {
                float lx = _lx[x];
                int c0 = _x0[x], c1 = _x1[x];
                float a00 = float.CreateTruncating(source[r0 + c0]), a01 = float.CreateTruncating(source[r0 + c1]);
                float a10 = float.CreateTruncating(source[r1 + c0]), a11 = float.CreateTruncating(source[r1 + c1]);
                float top = a00 + lx * (a01 - a00);
                float bottom = a10 + lx * (a11 - a10);
                row[x] = (1f - ly) * top + ly * bottom;
            }
        }
    }

    private void Check(int source, int destination)
    {
        if (source != InHeight * InWidth || destination != OutHeight * OutWidth)
            throw new ArgumentException($"resize {InHeight}×{InWidth} → {OutHeight}×{OutWidth}: got {source} input and {destination} output values");
    }
}

using System.Runtime.CompilerServices;
namespace Flows.Kernels.Cpu;

/// <summary>
/// One sample's channels copied into a zero-bordered frame of (H + 2P) × (W + 2P), so im2col reads every
/// element of a kernel window at a fixed offset with no bounds checks. A negative P crops instead.
/// Several samples' frames sit back to back, <see cref="Stride"/> floats apart, so one GEMM can span them.
/// </summary>
internal static unsafe class PaddedImage
{
    public static int Height(ConvGeometry g) => g.Height + 2 * g.Padding;

    public static int Width(ConvGeometry g) => g.Width + 2 * g.Padding;

    public static int Length(ConvGeometry g) => g.InChannels * Height(g) * Width(g);

    /// <summary>
    /// Where row r = (ci·K + ky)·K + kx of the column matrix starts in a frame: (ci·Hp + ky)·Wp + kx, so element
    /// (r, pixel) sits at WindowOffset(r) + the pixel's offset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WindowOffset(ConvGeometry g, int r)
    {
        int k = g.KernelSize, kk = k * k, ci = r / kk, rem = r - ci * kk, ky = rem / k, kx = rem - ky * k;
        return (ci * Height(g) + ky) * Width(g) + kx;
    }

    /// <summary>Distance between consecutive samples' frames: the frame rounded up to 64 bytes.</summary>
    public static int Stride(ConvGeometry g) => (Length(g) + 15) / 16 * 16;

    /// <summary>Floats past the last frame that vector packing may read (and then discard, see <see cref="PixelRun"/>).</summary>
    public const int ReadSlack = 16;

    /// <summary>The scratch length that <paramref name="samples"/> frames need, with the read slack.</summary>
    public static int ScratchLength(ConvGeometry g, int samples = 1) => samples * Stride(g) + ReadSlack;

    /// <summary>Frames of samples [first, first + count) of x (NCHW) at dst, dst + Stride, …</summary>
    public static void FillSamples(float* x, ConvGeometry g, int first, int count, float* dst)
    {
        long inSize = (long)g.InChannels * g.Height * g.Width;
        for (int i = 0; i < count; i++) Fill(x + (first + i) * inSize, g, dst + (long)i * Stride(g));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(float* x, ConvGeometry g, float* dst)
    {
        int h = g.Height, w = g.Width, pad = g.Padding, hp = Height(g), wp = Width(g);
        // Destination columns xx ∈ [x0, x1) read source column xx − pad.
        int x0 = Math.Max(0, pad), x1 = Math.Min(wp, w + pad);
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            float* src = x + (long)ci * h * w;
            float* plane = dst + (long)ci * hp * wp;
            for (int yy = 0; yy < hp; yy++)
            {
                var row = new Span<float>(plane + (long)yy * wp, wp);
                int y = yy - pad;
                if (y < 0 || y >= h || x1 <= x0)
                {
                    row.Clear();
                    continue;
                }
                row[..x0].Clear();
                new ReadOnlySpan<float>(src + (long)y * w + x0 - pad, x1 - x0).CopyTo(row[x0..x1]);
                row[x1..].Clear();
            }
        }
    }
}

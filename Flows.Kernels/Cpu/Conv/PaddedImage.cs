using System.Runtime.CompilerServices;
namespace Flows.Kernels.Cpu;

/// <summary>
/// One sample's channels copied into a zero-bordered frame of (H + 2P) × (W + 2P), so im2col reads every
/// element of a kernel window at a fixed offset with no bounds checks. A negative P crops instead.
/// Several samples' frames sit back to back, <see cref="Stride"/> floats apart, so one GEMM can span them.
/// <para>
/// With a convolution stride S &gt; 1 the frame is split into phases (space-to-depth): padded row yy goes to
/// phase yy mod S, row yy / S, and likewise for columns, so that window tap (ky, kx) of output (oy, ox) sits at
/// phase (ky mod S, kx mod S), row oy + ky / S, column ox + kx / S. Consecutive output pixels are then
/// consecutive floats again, and the stride-1 packing (<see cref="Im2ColB"/>, <see cref="PixelRun"/> vector
/// runs) works unchanged on strided convolutions. Only min(S, K) phases per axis are ever read, and each phase
/// needs OH + (K − 1) / S rows (OW + (K − 1) / S columns); a 1×1 stride-2 convolution's frame is just the
/// subsampled image. The stride-1 layout is the special case S = 1 and keeps its own, branch-free code.
/// </para>
/// </summary>
internal static unsafe class PaddedImage
{
    /// <summary>Phases per axis: 1 at stride 1, else min(S, K).</summary>
    public static int Phases(ConvGeometry g) => g.Stride == 1 ? 1 : Math.Min(g.Stride, g.KernelSize);

    /// <summary>Rows of one (phase) plane of the frame.</summary>
    public static int Height(ConvGeometry g) =>
        g.Stride == 1 ? g.Height + 2 * g.Padding : g.OutHeight + (g.KernelSize - 1) / g.Stride;

    /// <summary>The row pitch of the frame: columns of one (phase) plane.</summary>
    public static int Width(ConvGeometry g) =>
        g.Stride == 1 ? g.Width + 2 * g.Padding : g.OutWidth + (g.KernelSize - 1) / g.Stride;

    public static int Length(ConvGeometry g) => g.InChannels * Phases(g) * Phases(g) * Height(g) * Width(g);

    /// <summary>
    /// Where row r = (ci·K + ky)·K + kx of the column matrix starts in a frame: (ci·Hp + ky)·Wp + kx at stride 1,
    /// so element (r, pixel) sits at WindowOffset(r) + the pixel's offset oy·Wp + ox (see the class remarks for
    /// the phase layout of S &gt; 1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WindowOffset(ConvGeometry g, int r)
    {
        int k = g.KernelSize, kk = k * k, ci = r / kk, rem = r - ci * kk, ky = rem / k, kx = rem - ky * k;
        if (g.Stride == 1) return (ci * Height(g) + ky) * Width(g) + kx;
        int s = g.Stride, q = Phases(g);
        int phasePlane = (ci * q + ky % s) * q + kx % s;
        return (phasePlane * Height(g) + ky / s) * Width(g) + kx / s;
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
        if (g.Stride != 1)
        {
            FillPhases(x, g, dst);
            return;
        }
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

    /// <summary>
    /// The phase frame of a strided convolution: phase (py, px), row qy, column qx holds
    /// x[ci, qy·S + py − P, qx·S + px − P], zero outside the image. A strided gather over the input, which is
    /// K²·Cout / S² times cheaper than the GEMM that reads it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillPhases(float* x, ConvGeometry g, float* dst)
    {
        int h = g.Height, w = g.Width, pad = g.Padding, s = g.Stride, q = Phases(g), hq = Height(g), wq = Width(g);
        float* plane = dst;
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            float* src = x + (long)ci * h * w;
            for (int py = 0; py < q; py++)
                for (int px = 0; px < q; px++, plane += hq * wq)
                {
                    // Columns qx ∈ [x0, x1) read source column qx·S + px − pad inside [0, W).
                    int x0 = Math.Min(wq, CeilDiv(Math.Max(0, pad - px), s));
                    int x1 = Math.Max(x0, Math.Min(wq, CeilDiv(Math.Max(0, w + pad - px), s)));
                    for (int qy = 0; qy < hq; qy++)
                    {
                        float* row = plane + (long)qy * wq;
                        int y = qy * s + py - pad;
                        if (y < 0 || y >= h)
                        {
                            new Span<float>(row, wq).Clear();
                            continue;
                        }
                        new Span<float>(row, x0).Clear();
                        float* line = src + (long)y * w + px - pad;
                        for (int qx = x0; qx < x1; qx++) row[qx] = line[qx * s];
                        new Span<float>(row + x1, wq - x1).Clear();
                    }
                }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Fill"/> for strided convolutions: dx[ci, y, x] = the frame cell that Fill
    /// would copy x[ci, y, x] into, or 0 where no window reads the pixel (rows past the last window, phases
    /// beyond K when S &gt; K). Used by backward-data after col2im has summed the columns into the frame.
    /// Phase planes are <paramref name="planePitch"/> floats apart (Height·Width in a frame; a 1×1
    /// convolution's column matrix is its frame already, with the GEMM's leading dimension as pitch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ExtractPhases(float* frame, long planePitch, ConvGeometry g, float* dx)
    {
        int h = g.Height, w = g.Width, pad = g.Padding, s = g.Stride, q = Phases(g), hq = Height(g), wq = Width(g);
        for (int ci = 0; ci < g.InChannels; ci++)
            for (int y = 0; y < h; y++)
            {
                float* dst = dx + ((long)ci * h + y) * w;
                int yy = y + pad, py = yy % s, qy = yy / s;
                // Every column is written below unless S > K leaves phases unread, or windows stop short of W.
                new Span<float>(dst, w).Clear();
                if (py >= q || qy >= hq) continue;
                for (int px = 0; px < q; px++)
                {
                    float* src = frame + ((ci * q + py) * q + px) * planePitch + (long)qy * wq;
                    int x0 = Math.Min(wq, CeilDiv(Math.Max(0, pad - px), s));
                    int x1 = Math.Max(x0, Math.Min(wq, CeilDiv(Math.Max(0, w + pad - px), s)));
                    float* line = dst + px - pad;
                    for (int qx = x0; qx < x1; qx++) line[qx * s] = src[qx];
                }
            }
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}

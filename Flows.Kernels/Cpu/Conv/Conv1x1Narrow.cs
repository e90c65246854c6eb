using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Stride-1 unpadded 1×1 convolutions with at most four output or four input channels (the st-networks' last
/// convolutions, RealNVP 64→4 and 32→2, and their backward-data, a 4→64 or 2→32 forward) as vector loops over the
/// pixels with every output channel's accumulators in registers, on AVX2 with FMA. As GEMMs they were a 4-row
/// (or 2-row) panel against packed columns, or a K = 4 product, and ran at 7–25 GFLOP/s on the Zen 2 machine.
/// <list type="bullet">
/// <item><see cref="ForwardFewOutputs"/>: Cout ≤ 4; a tile of 24 pixels × 4 channels (12 accumulators) takes 3
/// loads of x and 4 weight broadcasts per 12 FMAs over Cin.</item>
/// <item><see cref="ForwardFewInputs"/>: Cin ≤ 4; 16 pixels of every input channel stay in registers while each
/// output channel takes 2·Cin FMAs and 2 stores.</item>
/// <item><see cref="WeightChunk"/>: the weight gradient with Cout ≤ 4, dw[co, ci] = Σ dy[co, p] · x[ci, p], 4 × 3
/// (co, ci) dot products in 12 accumulators; the bias sums of dy come with it.</item>
/// </list>
/// Samples go to the cores whole (forward) or in the fixed chunks of <see cref="ConvBackwardWeight"/> (weights), so
/// results do not depend on the core count.
/// </summary>
internal static unsafe class Conv1x1Narrow
{
    /// <summary>Off: the GEMM paths. Only the bench and the tests flip it.</summary>
    internal static bool Enabled { get; set; } = true;

    public const int MaxNarrow = 4;

    private const int Lanes = 8;

    private static bool Pointwise(ConvGeometry g) =>
        Enabled && g.KernelSize == 1 && g.Stride == 1 && g.Padding == 0 && Fma.IsSupported && Avx2.IsSupported
        && GemmV2Packed.KernelWidth == 256;

    /// <summary>The forward (and so the backward-data) loops apply: Cout ≤ 4 with Cin ≤ 1024 (the weights' stack copy), or Cin ≤ 4.</summary>
    public static bool AppliesForward(ConvGeometry g) =>
        Pointwise(g) && ((g.OutChannels <= MaxNarrow && g.InChannels <= 1024) || g.InChannels <= MaxNarrow);

    /// <summary>The weight-gradient loop applies: Cout ≤ 4.</summary>
    public static bool AppliesWeight(ConvGeometry g) => Pointwise(g) && g.OutChannels <= MaxNarrow;

    /// <summary>y = conv(x, w) + bias for a geometry <see cref="AppliesForward"/> accepts.</summary>
    public static void Forward(float* x, float* w, float[]? bias, float* y, ConvGeometry g)
    {
        fixed (float* pb = bias)
        {
            var state = new ForwardState(x, w, pb, y, g);
            long costPerSample = 2L * g.InChannels * g.OutChannels * g.Height * g.Width;
            CpuParallel.For(g.Batch, costPerSample, in state, static (in ForwardState s, int start, int end) =>
            {
                var g = s.G;
                int plane = g.Height * g.Width;
                for (int n = start; n < end; n++)
                {
                    float* xn = s.X + (long)n * g.InChannels * plane, yn = s.Y + (long)n * g.OutChannels * plane;
                    if (g.OutChannels <= MaxNarrow && g.InChannels <= 1024) ForwardFewOutputs(xn, s.W, s.Bias, yn, g.InChannels, g.OutChannels, plane);
                    else ForwardFewInputs(xn, s.W, s.Bias, yn, g.InChannels, g.OutChannels, plane);
                }
            });
        }
    }

    private readonly struct ForwardState(float* x, float* w, float* bias, float* y, ConvGeometry g)
    {
        public readonly float* X = x, W = w, Bias = bias, Y = y;
        public readonly ConvGeometry G = g;
    }

    /// <summary>One sample, Cout ≤ 4: y[co, p] = bias[co] + Σ_ci w[co, ci] · x[ci, p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardFewOutputs(float* x, float* w, float* bias, float* y, int cin, int cout, int plane)
    {
        // Weights as (ci, 4) with zero rows past Cout, so a tile always runs four channels.
        float* wp = stackalloc float[4 * cin];
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < 4; co++) wp[ci * 4 + co] = co < cout ? w[co * cin + ci] : 0f;
        float b0 = bias != null ? bias[0] : 0f, b1 = bias != null && cout > 1 ? bias[1] : 0f;
        float b2 = bias != null && cout > 2 ? bias[2] : 0f, b3 = bias != null && cout > 3 ? bias[3] : 0f;
        int p = 0;
        for (; p + 3 * Lanes <= plane; p += 3 * Lanes)
        {
            Vector256<float> a00 = Vector256.Create(b0), a01 = a00, a02 = a00, a10 = Vector256.Create(b1), a11 = a10, a12 = a10;
            Vector256<float> a20 = Vector256.Create(b2), a21 = a20, a22 = a20, a30 = Vector256.Create(b3), a31 = a30, a32 = a30;
            float* xp = x + p;
            for (int ci = 0; ci < cin; ci++, xp += plane)
            {
                var x0 = Vector256.Load(xp);
                var x1 = Vector256.Load(xp + Lanes);
                var x2 = Vector256.Load(xp + 2 * Lanes);
                float* wc = wp + ci * 4;
                var v = Vector256.Create(wc[0]);
                a00 = Fma.MultiplyAdd(x0, v, a00); a01 = Fma.MultiplyAdd(x1, v, a01); a02 = Fma.MultiplyAdd(x2, v, a02);
                v = Vector256.Create(wc[1]);
                a10 = Fma.MultiplyAdd(x0, v, a10); a11 = Fma.MultiplyAdd(x1, v, a11); a12 = Fma.MultiplyAdd(x2, v, a12);
                v = Vector256.Create(wc[2]);
                a20 = Fma.MultiplyAdd(x0, v, a20); a21 = Fma.MultiplyAdd(x1, v, a21); a22 = Fma.MultiplyAdd(x2, v, a22);
                v = Vector256.Create(wc[3]);
                a30 = Fma.MultiplyAdd(x0, v, a30); a31 = Fma.MultiplyAdd(x1, v, a31); a32 = Fma.MultiplyAdd(x2, v, a32);
            }
            float* yp = y + p;
            a00.Store(yp); a01.Store(yp + Lanes); a02.Store(yp + 2 * Lanes);
            if (cout > 1) { yp += plane; a10.Store(yp); a11.Store(yp + Lanes); a12.Store(yp + 2 * Lanes); }
            if (cout > 2) { yp += plane; a20.Store(yp); a21.Store(yp + Lanes); a22.Store(yp + 2 * Lanes); }
            if (cout > 3) { yp += plane; a30.Store(yp); a31.Store(yp + Lanes); a32.Store(yp + 2 * Lanes); }
        }
        // The last pixels as one more 8-wide step that overlaps the previous ones (y is written, not accumulated, so
        // recomputing a pixel is harmless): a scalar tail of 4 pixels × 4 channels × Cin dependent FMAs cost more
        // than the 8 vector tiles of a 14×14 plane.
        for (; p < plane; p += Lanes)
        {
            if (plane - p < Lanes)
            {
                if (plane < Lanes) break;
                p = plane - Lanes;
            }
            Vector256<float> a0 = Vector256.Create(b0), a1 = Vector256.Create(b1), a2 = Vector256.Create(b2), a3 = Vector256.Create(b3);
            float* xp = x + p;
            for (int ci = 0; ci < cin; ci++, xp += plane)
            {
                var x0 = Vector256.Load(xp);
                float* wc = wp + ci * 4;
                a0 = Fma.MultiplyAdd(x0, Vector256.Create(wc[0]), a0); a1 = Fma.MultiplyAdd(x0, Vector256.Create(wc[1]), a1);
                a2 = Fma.MultiplyAdd(x0, Vector256.Create(wc[2]), a2); a3 = Fma.MultiplyAdd(x0, Vector256.Create(wc[3]), a3);
            }
            a0.Store(y + p);
            if (cout > 1) a1.Store(y + plane + p);
            if (cout > 2) a2.Store(y + 2 * plane + p);
            if (cout > 3) a3.Store(y + 3 * plane + p);
        }
        for (; p < plane; p++)
            for (int co = 0; co < cout; co++)
            {
                float sum = bias != null ? bias[co] : 0f;
                for (int ci = 0; ci < cin; ci++) sum = MathF.FusedMultiplyAdd(x[(long)ci * plane + p], wp[ci * 4 + co], sum);
                y[(long)co * plane + p] = sum;
            }
    }

    /// <summary>One sample, Cin ≤ 4: y[co, p] = bias[co] + Σ_ci w[co, ci] · x[ci, p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardFewInputs(float* x, float* w, float* bias, float* y, int cin, int cout, int plane)
    {
        int p = 0;
        var zero = Vector256<float>.Zero;
        for (; p < plane; p += 2 * Lanes)
        {
            // The last step overlaps the previous one instead of a scalar tail (y is written, not accumulated).
            if (plane - p < 2 * Lanes)
            {
                if (plane < 2 * Lanes) break;
                p = plane - 2 * Lanes;
            }
            float* xp = x + p;
            var x00 = Vector256.Load(xp); var x01 = Vector256.Load(xp + Lanes);
            var x10 = cin > 1 ? Vector256.Load(xp + plane) : zero; var x11 = cin > 1 ? Vector256.Load(xp + plane + Lanes) : zero;
            var x20 = cin > 2 ? Vector256.Load(xp + 2 * plane) : zero; var x21 = cin > 2 ? Vector256.Load(xp + 2 * plane + Lanes) : zero;
            var x30 = cin > 3 ? Vector256.Load(xp + 3 * plane) : zero; var x31 = cin > 3 ? Vector256.Load(xp + 3 * plane + Lanes) : zero;
            float* yp = y + p;
            float* wc = w;
            for (int co = 0; co < cout; co++, yp += plane, wc += cin)
            {
                var b = bias != null ? Vector256.Create(bias[co]) : zero;
                var v = Vector256.Create(wc[0]);
                var a0 = Fma.MultiplyAdd(x00, v, b);
                var a1 = Fma.MultiplyAdd(x01, v, b);
                if (cin > 1)
                {
                    v = Vector256.Create(wc[1]);
                    a0 = Fma.MultiplyAdd(x10, v, a0); a1 = Fma.MultiplyAdd(x11, v, a1);
                }
                if (cin > 2)
                {
                    v = Vector256.Create(wc[2]);
                    a0 = Fma.MultiplyAdd(x20, v, a0); a1 = Fma.MultiplyAdd(x21, v, a1);
                }
                if (cin > 3)
                {
                    v = Vector256.Create(wc[3]);
                    a0 = Fma.MultiplyAdd(x30, v, a0); a1 = Fma.MultiplyAdd(x31, v, a1);
                }
                a0.Store(yp);
                a1.Store(yp + Lanes);
            }
        }
        for (; p < plane; p++)
            for (int co = 0; co < cout; co++)
            {
                float sum = bias != null ? bias[co] : 0f;
                for (int ci = 0; ci < cin; ci++) sum = MathF.FusedMultiplyAdd(x[(long)ci * plane + p], w[co * cin + ci], sum);
                y[(long)co * plane + p] = sum;
            }
    }

    /// <summary>
    /// dw (Cout × Cin, Cout ≤ 4) = Σ over samples [start, end) of dy_n · x_nᵀ into <paramref name="target"/>, and with
    /// <paramref name="bias"/> not null bias[co] = Σ dy[n, co, ·] over the chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightChunk(float* x, float* dy, float* target, float* bias, ConvGeometry g, int start, int end)
    {
        int cin = g.InChannels, cout = g.OutChannels, plane = g.Height * g.Width, vectors = plane / Lanes * Lanes;
        long inSize = (long)cin * plane, outSize = (long)cout * plane;
        float* sums = stackalloc float[12];
        var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(plane - vectors)).AsSingle();
        for (int c0 = 0; c0 < cin; c0 += 3)
        {
            // Rows past Cin read row c0 again, channels past Cout row 0; their sums are dropped.
            int r1 = c0 + 1 < cin ? 1 : 0, r2 = c0 + 2 < cin ? 2 : 0;
            int d1 = cout > 1 ? 1 : 0, d2 = cout > 2 ? 2 : 0, d3 = cout > 3 ? 3 : 0;
            Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
            Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
            for (int n = start; n < end; n++)
            {
                float* xs = x + n * inSize + (long)c0 * plane, ds = dy + n * outSize;
                float* x0p = xs, x1p = xs + (long)r1 * plane, x2p = xs + (long)r2 * plane;
                float* y0p = ds, y1p = ds + (long)d1 * plane, y2p = ds + (long)d2 * plane, y3p = ds + (long)d3 * plane;
                for (int p = 0; p < vectors; p += Lanes)
                {
                    var x0 = Vector256.Load(x0p + p);
                    var x1 = Vector256.Load(x1p + p);
                    var x2 = Vector256.Load(x2p + p);
                    var d = Vector256.Load(y0p + p);
                    a00 = Fma.MultiplyAdd(d, x0, a00); a01 = Fma.MultiplyAdd(d, x1, a01); a02 = Fma.MultiplyAdd(d, x2, a02);
                    d = Vector256.Load(y1p + p);
                    a10 = Fma.MultiplyAdd(d, x0, a10); a11 = Fma.MultiplyAdd(d, x1, a11); a12 = Fma.MultiplyAdd(d, x2, a12);
                    d = Vector256.Load(y2p + p);
                    a20 = Fma.MultiplyAdd(d, x0, a20); a21 = Fma.MultiplyAdd(d, x1, a21); a22 = Fma.MultiplyAdd(d, x2, a22);
                    d = Vector256.Load(y3p + p);
                    a30 = Fma.MultiplyAdd(d, x0, a30); a31 = Fma.MultiplyAdd(d, x1, a31); a32 = Fma.MultiplyAdd(d, x2, a32);
                }
                if (vectors < plane)
                {
                    // The last pixels through masked loads (zeros in the lanes past the plane), not a scalar tail.
                    int p = vectors;
                    var x0 = Avx.MaskLoad(x0p + p, mask);
                    var x1 = Avx.MaskLoad(x1p + p, mask);
                    var x2 = Avx.MaskLoad(x2p + p, mask);
                    var d = Avx.MaskLoad(y0p + p, mask);
                    a00 = Fma.MultiplyAdd(d, x0, a00); a01 = Fma.MultiplyAdd(d, x1, a01); a02 = Fma.MultiplyAdd(d, x2, a02);
                    d = Avx.MaskLoad(y1p + p, mask);
                    a10 = Fma.MultiplyAdd(d, x0, a10); a11 = Fma.MultiplyAdd(d, x1, a11); a12 = Fma.MultiplyAdd(d, x2, a12);
                    d = Avx.MaskLoad(y2p + p, mask);
                    a20 = Fma.MultiplyAdd(d, x0, a20); a21 = Fma.MultiplyAdd(d, x1, a21); a22 = Fma.MultiplyAdd(d, x2, a22);
                    d = Avx.MaskLoad(y3p + p, mask);
                    a30 = Fma.MultiplyAdd(d, x0, a30); a31 = Fma.MultiplyAdd(d, x1, a31); a32 = Fma.MultiplyAdd(d, x2, a32);
                }
            }
            sums[0] = Vector256.Sum(a00); sums[1] = Vector256.Sum(a01); sums[2] = Vector256.Sum(a02);
            sums[3] = Vector256.Sum(a10); sums[4] = Vector256.Sum(a11); sums[5] = Vector256.Sum(a12);
            sums[6] = Vector256.Sum(a20); sums[7] = Vector256.Sum(a21); sums[8] = Vector256.Sum(a22);
            sums[9] = Vector256.Sum(a30); sums[10] = Vector256.Sum(a31); sums[11] = Vector256.Sum(a32);
            int cis = Math.Min(3, cin - c0);
            for (int co = 0; co < cout; co++)
                for (int i = 0; i < cis; i++)
                    target[co * cin + c0 + i] = sums[co * 3 + i];
        }
        if (bias == null) return;
        for (int co = 0; co < cout; co++)
        {
            var sum = Vector256<float>.Zero;
            for (int n = start; n < end; n++)
            {
                float* ds = dy + n * outSize + (long)co * plane;
                for (int p = 0; p < vectors; p += Lanes) sum += Vector256.Load(ds + p);
                if (vectors < plane) sum += Avx.MaskLoad(ds + vectors, mask);
            }
            bias[co] = Vector256.Sum(sum);
        }
    }
}

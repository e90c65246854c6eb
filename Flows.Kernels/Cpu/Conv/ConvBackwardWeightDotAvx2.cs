using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The stride-1 weight gradient on AVX2 (16 ymm registers) without packing: the same dot products as
/// <see cref="ConvBackwardWeightDot"/>, dw[co, r] = Σ_q dY'[co, q] · frame[WindowOffset(r) + q] over the frame's
/// pixel grid, with a 3 × 4 tile of (co, r): 12 accumulators, 3 dY' vectors and 1 frame vector fill the 16
/// registers, and each step loads 3 + 4 vectors for 12 FMAs (Zen 2: 2 loads and 2 FMAs a cycle, so the FMAs
/// bound it). Channels are padded to a multiple of 3 in dY' (32 → 33, 64 → 66: 3% of the FMAs), window rows past
/// Cin·K·K read row 0 and are dropped. The per-channel sums of dy (the bias gradient) are taken while dY' is laid
/// out, per chunk, so <see cref="ConvBackwardWeight"/> can add them in chunk order like the weights.
/// <para>
/// Chunks: a chunk's frames and dY' are read once per 4-row step of r, so they must stay in the 512 KB L2 of a
/// Zen 2 core; the chunk count is the first of 8, 16, 32 whose chunks fit <see cref="ChunkBudgetBytes"/>
/// (a function of the shape only, so the result does not depend on the core count).
/// </para>
/// </summary>
internal static unsafe class ConvBackwardWeightDotAvx2
{
    private const int CoTile = 3, RTile = 4, Lanes = 8;

    /// <summary>Off: every shape takes the packed GEMM (or the AVX-512 dot kernel). Only the bench and the tests flip it.</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>The L2 share one chunk may use (the bench sets it to measure the rule).</summary>
    internal static long ChunkBudgetBytes { get; set; } = 512 * 1024;

    public const int MaxChunks = 32;

    /// <summary>
    /// The AVX2 GEMM is in use (256-bit kernels: on AVX-512 machines <see cref="ConvBackwardWeightDot"/> keeps its
    /// own rule), FMA, stride 1, a window larger than 1×1, border columns at most 30% of the grid, and a chunk of one
    /// sample that fits the budget. Measured on the Zen 2 machine (docs/PERFORMANCE.md, "Weight gradient and 1×1
    /// convolutions on AVX2").
    /// </summary>
    public static bool Applies(ConvGeometry g) =>
        Enabled && GemmV2Packed.KernelWidth == 256 && Fma.IsSupported && Avx2.IsSupported
        && g.Stride == 1 && g.Padding >= 0 && g.KernelSize > 1 && g.OutHeight > 0 && g.OutWidth > 0
        && 10 * PaddedImage.Width(g) <= 13 * g.OutWidth && g.OutHeight * PaddedImage.Width(g) >= MinGrid
        && SampleBytes(g) <= ChunkBudgetBytes;

    /// <summary>
    /// At 14×14 (a 224-float grid: 2 border columns in 16, and 12 horizontal sums per tile every 28 vector steps per
    /// sample) it measured 0.73–1.05× the packed GEMM under load, at 28×28 (840) 1.3×.
    /// </summary>
    public const int MinGrid = 512;

    /// <summary>Chunks of the batch: the first of 8, 16, 32 (at most the batch) whose chunks fit the budget.</summary>
    public static int Chunks(ConvGeometry g)
    {
        int chunks = Math.Min(g.Batch, ConvBackwardWeight.MaxChunks);
        while (chunks < Math.Min(g.Batch, MaxChunks) && (g.Batch + chunks - 1) / chunks * SampleBytes(g) > ChunkBudgetBytes)
            chunks = Math.Min(Math.Min(g.Batch, MaxChunks), 2 * chunks);
        return chunks;
    }

    private static long SampleBytes(ConvGeometry g) => 4L * (PaddedImage.Stride(g) + (long)PaddedChannels(g) * GridLength(g));

    /// <summary>Floats of one sample's dY' channel (the grid rounded up to whole vectors).</summary>
    private static int GridLength(ConvGeometry g) => (g.OutHeight * PaddedImage.Width(g) + Lanes - 1) / Lanes * Lanes;

    private static int PaddedChannels(ConvGeometry g) => (g.OutChannels + CoTile - 1) / CoTile * CoTile;

    /// <summary>
    /// dw = the sum over the chunk's samples [start, end) of x and dy, into <paramref name="target"/> (Cout × Cin·K·K);
    /// with <paramref name="bias"/> not null also bias[co] = Σ dy[n, co, ·] over the chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Chunk(float* x, float* dy, float* target, float* bias, ConvGeometry g, int start, int end)
    {
        int count = end - start, grid = GridLength(g), coPad = PaddedChannels(g);
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, frameStride = PaddedImage.Stride(g);
        // Frames, then dY' behind them; the frames' gaps and the slack past them zeroed (their lanes meet dY'
        // zeros, and 0 · garbage could be NaN).
        long framesLength = (long)count * frameStride + (grid + 2 * Lanes + 15) / 16 * 16;
        var scratch = ThreadScratch.Get(ScratchSlot.Padded, (int)(framesLength + (long)count * coPad * grid + 16));
        int* rowBase = stackalloc int[RTile];
        fixed (float* s0 = scratch)
        {
            float* frames = s0 + ThreadScratch.AlignedStart(scratch), dyGrid = frames + framesLength;
            int length = PaddedImage.Length(g);
            for (int i = 0; i < count; i++)
            {
                PaddedImage.Fill(x + (long)(start + i) * g.InChannels * g.Height * g.Width, g, frames + (long)i * frameStride);
                new Span<float>(frames + (long)i * frameStride + length, frameStride - length).Clear();
            }
            new Span<float>(frames + (long)count * frameStride, (int)(framesLength - (long)count * frameStride)).Clear();
            FillGrid(dy, g, start, count, grid, coPad, dyGrid, bias);
            for (int r0 = 0; r0 < ckk; r0 += RTile)
            {
                for (int i = 0; i < RTile; i++) rowBase[i] = PaddedImage.WindowOffset(g, r0 + i < ckk ? r0 + i : 0);
                for (int c0 = 0; c0 < coPad; c0 += CoTile)
                    Tile(frames, frameStride, dyGrid + (long)c0 * grid, coPad * grid, grid, count, rowBase,
                         target, ckk, c0, Math.Min(CoTile, g.OutChannels - c0), r0, Math.Min(RTile, ckk - r0));
            }
        }
    }

    /// <summary>
    /// dY' of samples [start, start + count): channel co, grid cell oy·Wp + ox = dy[co, oy, ox], zero elsewhere;
    /// bias[co] = the sum of the copied values (samples in order, pixels in order within 8-lane partial sums).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillGrid(float* dy, ConvGeometry g, int start, int count, int grid, int coPad, float* dst, float* bias)
    {
        int oh = g.OutHeight, ow = g.OutWidth, wp = PaddedImage.Width(g), plane = oh * ow;
        new Span<float>(dst, count * coPad * grid).Clear();
        for (int co = 0; co < g.OutChannels; co++)
        {
            var sum = Vector256<float>.Zero;
            float tail = 0f;
            for (int i = 0; i < count; i++)
            {
                float* src = dy + ((long)(start + i) * g.OutChannels + co) * plane;
                float* row = dst + ((long)i * coPad + co) * grid;
                for (int oy = 0; oy < oh; oy++)
                    new ReadOnlySpan<float>(src + oy * ow, ow).CopyTo(new Span<float>(row + oy * wp, ow));
                if (bias == null) continue;
                int p = 0;
                for (; p + Lanes <= plane; p += Lanes) sum += Vector256.Load(src + p);
                for (; p < plane; p++) tail += src[p];
            }
            if (bias != null) bias[co] = Vector256.Sum(sum) + tail;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* frames, int frameStride, float* dyTile, int dySample, int grid, int count, int* rowBase,
                             float* target, int ld, int c0, int cos, int r0, int rs)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        int b0 = rowBase[0], b1 = rowBase[1], b2 = rowBase[2], b3 = rowBase[3];
        for (int s = 0; s < count; s++)
        {
            float* d = dyTile + (long)s * dySample, f = frames + (long)s * frameStride;
            float* f0 = f + b0, f1 = f + b1, f2 = f + b2, f3 = f + b3;
            for (int q = 0; q < grid; q += Lanes)
            {
                var d0 = Vector256.Load(d + q);
                var d1 = Vector256.Load(d + grid + q);
                var d2 = Vector256.Load(d + 2 * grid + q);
                var v = Vector256.Load(f0 + q);
                a00 = Fma.MultiplyAdd(d0, v, a00); a10 = Fma.MultiplyAdd(d1, v, a10); a20 = Fma.MultiplyAdd(d2, v, a20);
                v = Vector256.Load(f1 + q);
                a01 = Fma.MultiplyAdd(d0, v, a01); a11 = Fma.MultiplyAdd(d1, v, a11); a21 = Fma.MultiplyAdd(d2, v, a21);
                v = Vector256.Load(f2 + q);
                a02 = Fma.MultiplyAdd(d0, v, a02); a12 = Fma.MultiplyAdd(d1, v, a12); a22 = Fma.MultiplyAdd(d2, v, a22);
                v = Vector256.Load(f3 + q);
                a03 = Fma.MultiplyAdd(d0, v, a03); a13 = Fma.MultiplyAdd(d1, v, a13); a23 = Fma.MultiplyAdd(d2, v, a23);
            }
        }
        float* sums = stackalloc float[CoTile * RTile];
        sums[0] = Vector256.Sum(a00); sums[1] = Vector256.Sum(a01); sums[2] = Vector256.Sum(a02); sums[3] = Vector256.Sum(a03);
        sums[4] = Vector256.Sum(a10); sums[5] = Vector256.Sum(a11); sums[6] = Vector256.Sum(a12); sums[7] = Vector256.Sum(a13);
        sums[8] = Vector256.Sum(a20); sums[9] = Vector256.Sum(a21); sums[10] = Vector256.Sum(a22); sums[11] = Vector256.Sum(a23);
        for (int c = 0; c < cos; c++)
            for (int i = 0; i < rs; i++)
                target[(long)(c0 + c) * ld + r0 + i] = sums[c * RTile + i];
    }
}

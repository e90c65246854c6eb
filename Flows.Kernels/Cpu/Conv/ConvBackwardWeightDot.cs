using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The stride-1 weight gradient on AVX-512 without packing: dw[co, r] = Σ_q dY'[co, q] · frame[WindowOffset(r) + q],
/// a dot product along q for every (co, r). q runs over the frame's pixel grid (<see cref="PaddedImage"/>): output
/// pixel (oy, ox) at q = oy·Wp + ox, so every window row r reads one contiguous run of the frame, and dY' is dY
/// copied onto that grid with zeros in the Wp − OW border columns (and up to the next 16) that have no output.
/// The packed GEMM (<see cref="ConvBackwardWeight"/>) transposes every colsᵀ panel through 8×8 register
/// transposes and ran the 3×3 passes at 57% of the FMA roof; here a 4 × 6 tile of (co, r) keeps 24 accumulators
/// in the 32 vector registers and loads 4 + 6 vectors per 24 FMAs, straight from dY' and the frames (L1/L2
/// resident per chunk), at the price of the border columns (2 of 16 at 14×14, 2 of 30 at 28×28) and one
/// horizontal sum per accumulator per chunk. Chunks and their order are those of <see cref="ConvBackwardWeight"/>,
/// so the result does not depend on the core count.
/// </summary>
internal static unsafe class ConvBackwardWeightDot
{
    private const int CoTile = 4, RTile = 6, Lanes = 16;

    /// <summary>
    /// Stride 1, no cropping, AVX-512 kernels, border columns at most 30% of the grid, and a grid of at least
    /// <see cref="MinGrid"/> floats: at 14×14 (224 floats, so a tile's 24 horizontal sums and per-sample setup
    /// come every 56 vector steps) it measured 0.7× the packed GEMM; at 28×28 (840) 1.03–1.2× for 32→32 and 1.9×
    /// for 2→32 (docs/PERFORMANCE.md, "CPU convolutions").
    /// </summary>
    public static bool Applies(ConvGeometry g) =>
        g.Stride == 1 && g.Padding >= 0 && GemmV2Packed.KernelWidth == 512 && Avx512F.IsSupported
        && g.OutHeight > 0 && g.OutWidth > 0 && 10 * PaddedImage.Width(g) <= 13 * g.OutWidth
        && g.KernelSize > 1 && g.OutHeight * PaddedImage.Width(g) >= MinGrid && ChunkBytes(g) <= MaxChunkBytes;

    public const int MinGrid = 512;

    /// <summary>
    /// A chunk's frames and dY' must stay in the 1 MB L2 with room to spare: 32→32 at 28×28 in chunks of 4
    /// (445 KB) measured 1.2× the packed GEMM, 64→64 at 28×28 in chunks of 2 (890 KB) 0.94×; 1×1 convolutions
    /// (no window overlap for the frame loads to share) 0.5×.
    /// </summary>
    public const long MaxChunkBytes = 512 * 1024;

    private static long ChunkBytes(ConvGeometry g)
    {
        int samples = (g.Batch + ConvBackwardWeight.MaxChunks - 1) / ConvBackwardWeight.MaxChunks;
        return 4L * samples * (PaddedImage.Stride(g) + (long)PaddedChannels(g) * GridLength(g));
    }

    /// <summary>Floats of one sample's dY' (channels rounded up to the tile, grid rounded up to whole vectors).</summary>
    private static int GridLength(ConvGeometry g) => (g.OutHeight * PaddedImage.Width(g) + Lanes - 1) / Lanes * Lanes;

    private static int PaddedChannels(ConvGeometry g) => (g.OutChannels + CoTile - 1) / CoTile * CoTile;

    /// <summary>dw = the sum over the chunk's samples [start, end) of x and dy, into <paramref name="target"/> (Cout × Cin·K·K).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Chunk(float* x, float* dy, float* target, ConvGeometry g, int start, int end)
    {
        int count = end - start, grid = GridLength(g), coPad = PaddedChannels(g);
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, frameStride = PaddedImage.Stride(g);
        // Frames, then dY' behind them; the frames' gaps and a vector of slack past them zeroed (their lanes
        // meet dY' zeros, and 0 · garbage could be NaN).
        long framesLength = (long)count * frameStride + (grid + Lanes + Lanes - 1) / Lanes * Lanes;
        var scratch = ThreadScratch.Get(ScratchSlot.Padded, (int)(framesLength + (long)count * coPad * grid + 2 * Lanes));
        int* rowBase = stackalloc int[RTile];
        fixed (float* s0 = scratch)
        {
            // 64-byte aligned, so the dY' loads and the frames' kx = 0 rows never split a cache line.
            float* frames = s0 + ThreadScratch.AlignedStart(scratch), dyGrid = frames + framesLength;
            int length = PaddedImage.Length(g);
            for (int i = 0; i < count; i++)
            {
                PaddedImage.Fill(x + (long)(start + i) * g.InChannels * g.Height * g.Width, g, frames + (long)i * frameStride);
                new Span<float>(frames + (long)i * frameStride + length, frameStride - length).Clear();
            }
            new Span<float>(frames + (long)count * frameStride, grid + Lanes).Clear();
            FillGrid(dy, g, start, count, grid, coPad, dyGrid);
            for (int r0 = 0; r0 < ckk; r0 += RTile)
                for (int c0 = 0; c0 < coPad; c0 += CoTile)
                {
                    // Rows past Cin·K·K read row 0 again; their sums are dropped.
                    for (int i = 0; i < RTile; i++) rowBase[i] = PaddedImage.WindowOffset(g, r0 + i < ckk ? r0 + i : 0);
                    Tile(frames, frameStride, dyGrid + (long)c0 * grid, coPad * grid, grid, count, rowBase,
                         target, ckk, c0, Math.Min(CoTile, g.OutChannels - c0), r0, Math.Min(RTile, ckk - r0));
                }
        }
    }

    /// <summary>dY' of samples [start, start + count): channel co, grid cell oy·Wp + ox = dy[co, oy, ox], zero elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillGrid(float* dy, ConvGeometry g, int start, int count, int grid, int coPad, float* dst)
    {
        int oh = g.OutHeight, ow = g.OutWidth, wp = PaddedImage.Width(g), plane = oh * ow;
        new Span<float>(dst, count * coPad * grid).Clear();
        for (int i = 0; i < count; i++)
            for (int co = 0; co < g.OutChannels; co++)
            {
                float* src = dy + ((long)(start + i) * g.OutChannels + co) * plane;
                float* row = dst + ((long)i * coPad + co) * grid;
                for (int oy = 0; oy < oh; oy++)
                    new ReadOnlySpan<float>(src + oy * ow, ow).CopyTo(new Span<float>(row + oy * wp, ow));
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* frames, int frameStride, float* dyTile, int dySample, int grid, int count, int* rowBase,
                             float* target, int ld, int c0, int cos, int r0, int rs)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default, a34 = default, a35 = default;
        for (int s = 0; s < count; s++)
        {
            float* d = dyTile + (long)s * dySample, f = frames + (long)s * frameStride;
            float* f0 = f + rowBase[0], f1 = f + rowBase[1], f2 = f + rowBase[2];
            float* f3 = f + rowBase[3], f4 = f + rowBase[4], f5 = f + rowBase[5];
            for (int q = 0; q < grid; q += Lanes)
            {
                var d0 = Vector512.Load(d + q);
                var d1 = Vector512.Load(d + grid + q);
                var d2 = Vector512.Load(d + 2 * grid + q);
                var d3 = Vector512.Load(d + 3 * grid + q);
                var v = Vector512.Load(f0 + q);
                a00 = Vector512.MultiplyAddEstimate(d0, v, a00); a10 = Vector512.MultiplyAddEstimate(d1, v, a10);
                a20 = Vector512.MultiplyAddEstimate(d2, v, a20); a30 = Vector512.MultiplyAddEstimate(d3, v, a30);
                v = Vector512.Load(f1 + q);
                a01 = Vector512.MultiplyAddEstimate(d0, v, a01); a11 = Vector512.MultiplyAddEstimate(d1, v, a11);
                a21 = Vector512.MultiplyAddEstimate(d2, v, a21); a31 = Vector512.MultiplyAddEstimate(d3, v, a31);
                v = Vector512.Load(f2 + q);
                a02 = Vector512.MultiplyAddEstimate(d0, v, a02); a12 = Vector512.MultiplyAddEstimate(d1, v, a12);
                a22 = Vector512.MultiplyAddEstimate(d2, v, a22); a32 = Vector512.MultiplyAddEstimate(d3, v, a32);
                v = Vector512.Load(f3 + q);
                a03 = Vector512.MultiplyAddEstimate(d0, v, a03); a13 = Vector512.MultiplyAddEstimate(d1, v, a13);
                a23 = Vector512.MultiplyAddEstimate(d2, v, a23); a33 = Vector512.MultiplyAddEstimate(d3, v, a33);
                v = Vector512.Load(f4 + q);
                a04 = Vector512.MultiplyAddEstimate(d0, v, a04); a14 = Vector512.MultiplyAddEstimate(d1, v, a14);
                a24 = Vector512.MultiplyAddEstimate(d2, v, a24); a34 = Vector512.MultiplyAddEstimate(d3, v, a34);
                v = Vector512.Load(f5 + q);
                a05 = Vector512.MultiplyAddEstimate(d0, v, a05); a15 = Vector512.MultiplyAddEstimate(d1, v, a15);
                a25 = Vector512.MultiplyAddEstimate(d2, v, a25); a35 = Vector512.MultiplyAddEstimate(d3, v, a35);
            }
        }
        float* sums = stackalloc float[CoTile * RTile];
        sums[0] = Vector512.Sum(a00); sums[1] = Vector512.Sum(a01); sums[2] = Vector512.Sum(a02);
        sums[3] = Vector512.Sum(a03); sums[4] = Vector512.Sum(a04); sums[5] = Vector512.Sum(a05);
        sums[6] = Vector512.Sum(a10); sums[7] = Vector512.Sum(a11); sums[8] = Vector512.Sum(a12);
        sums[9] = Vector512.Sum(a13); sums[10] = Vector512.Sum(a14); sums[11] = Vector512.Sum(a15);
        sums[12] = Vector512.Sum(a20); sums[13] = Vector512.Sum(a21); sums[14] = Vector512.Sum(a22);
        sums[15] = Vector512.Sum(a23); sums[16] = Vector512.Sum(a24); sums[17] = Vector512.Sum(a25);
        sums[18] = Vector512.Sum(a30); sums[19] = Vector512.Sum(a31); sums[20] = Vector512.Sum(a32);
        sums[21] = Vector512.Sum(a33); sums[22] = Vector512.Sum(a34); sums[23] = Vector512.Sum(a35);
        for (int c = 0; c < cos; c++)
            for (int i = 0; i < rs; i++)
                target[(long)(c0 + c) * ld + r0 + i] = sums[c * RTile + i];
    }
}

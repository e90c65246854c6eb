using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>Which stride-1 forward (and backward-data) convolutions take <see cref="ConvForwardGrid"/>.</summary>
internal enum GridConvUse
{
    /// <summary>Where <see cref="ConvForwardGrid.Rule"/> picks it (the default).</summary>
    Rule,

    /// <summary>Never: the packed GEMM of <see cref="ConvForward"/> everywhere (the comparison).</summary>
    Off,

    /// <summary>Wherever it is supported (tests and Flows.Bench).</summary>
    On,
}

/// <summary>
/// y = conv(x, w) + bias at stride 1 as an implicit GEMM on the frame grid, with no packing of B. On the
/// zero-bordered frame of <see cref="PaddedImage"/> (row pitch Wp) output pixel (oy, ox) sits at q = oy·Wp + ox,
/// and the input of window row (ci, ky, kx) for it is frame[ci·plane + ky·Wp + kx + q]: the B row of every window
/// row is a contiguous run of the frame. <see cref="GridMicroKernels"/> computes 6 (or 4) out-channels × 16
/// grid columns from unaligned loads of the frame and broadcasts of W, packed once per call in panel order;
/// the Wp − OW border columns of each grid row are computed and dropped when the grid is copied into y with
/// the bias (2 of 16 at 14×14, 2 of 30 at 28×28). The packed path (<see cref="ConvForward"/>) writes each
/// im2col element once and reads it once per 6-row panel: with few out-channels (one or two panels) the packing is
/// most of the pass, and the grid measured 1.4–2.0× there (at 32–64 out-channels 1.06–1.10×, see <see cref="Rule"/>).
/// Work items are (sample, out-channel panel range); each output is one fixed-order sum over the window rows,
/// so the result does not depend on the core count. Backward-data takes it through <see cref="ConvBackwardData"/>
/// (the forward convolution of dy with flipped weights, padding K − 1 − P).
/// </summary>
internal static unsafe class ConvForwardGrid
{
    /// <summary>Flows.Bench and the tests flip this to compare the paths in one process.</summary>
    internal static GridConvUse Use { get; set; } = GridConvUse.Rule;

    /// <summary>Stride 1, no cropping, 256-bit vectors, a grid no more than 30% border columns.</summary>
    public static bool Supports(ConvGeometry g) =>
        g.Stride == 1 && g.Padding >= 0 && Vector256.IsHardwareAccelerated && g.OutHeight > 0 && g.OutWidth > 0
        && 10 * PaddedImage.Width(g) <= 13 * g.OutWidth;

    /// <summary>
    /// Whether a forward pass of <paramref name="g"/> runs here: also the adjoint forward pass of backward-data
    /// (out-channels = the convolution's in-channels), which measured alike, so one rule serves both.
    /// </summary>
    public static bool Chosen(ConvGeometry g) => Use switch
    {
        GridConvUse.Off => false,
        GridConvUse.On => Supports(g),
        _ => Supports(g) && Rule(g),
    };

    /// <summary>
    /// The measured rule (docs/PERFORMANCE.md, "3×3 forward and backward-data on the frame grid"; 2 vCPUs of an
    /// AMD EPYC Zen 2, `Flows.Bench conv --grid alternate`, old and new alternated run by run, batch 32, loaded):
    /// on AVX2 (the GEMM's kernel width 256; AVX-512 machines keep their 8-row packed panels), 3×3 windows with at
    /// least <see cref="MinWindowRows"/> window rows, and either at most <see cref="FewOutChannels"/> out-channels,
    /// or at most <see cref="MaxOutChannels"/> on a grid with at most 20% computed-and-dropped columns. The packed
    /// path writes each im2col element once and reads it once per 6-row panel, so the grid wins most where Cout is
    /// small: 32→4 at 28×28 2.0×, 64→4 and 64→8 at 14×14 1.6–2.0×, 64→8 at 7×7 1.4×; at 32→32 28×28 and 64→64
    /// 14×14 (7% and 14% dropped columns) 1.06–1.10× (quietest run; 0.9–1.3× paired under load); at 7×7 (31%
    /// dropped) 8→64 measured 0.82×, and once the packing is shared by 21+ panels (128→128, 200→200 at 14×14)
    /// 0.91–0.98×. With 18–36 window rows (2→32, 4→64) it was 0.76–1.03×. 1×1 convolutions (no window overlap,
    /// and the packed path packs no im2col there) measured 0.57–0.82×, so they stay on the packed path.
    /// </summary>
    internal static bool Rule(ConvGeometry g) =>
        GemmV2Packed.KernelWidth == 256 && g.KernelSize == 3 && g.InChannels * g.KernelSize * g.KernelSize >= MinWindowRows
        && (g.OutChannels <= FewOutChannels
            || g.OutChannels <= MaxOutChannels && 10L * GridLength(g) <= 12L * g.OutHeight * g.OutWidth);

    internal const int FewOutChannels = 16;
    internal const int MaxOutChannels = 64;
    internal const int MinWindowRows = 64;

    private const int Columns = GridMicroKernels.Columns;

    /// <summary>Window rows per input-channel block: 384 (42 channels of 3×3) as the packed GEMM's k block on AVX2.</summary>
    internal static int WindowRowsPerBlock { get; set; } = 384;

    /// <summary>
    /// The 3×3 micro-kernel: 2 = <see cref="GridMicroKernels.Tile3x3Unrolled{TRows}"/>, 1 = <see cref="GridMicroKernels.Tile3x3{TRows}"/>
    /// (v2 measured 1.03–1.08× v1 in paired runs, 64→64 14×14 and 32→32 28×28, forward and backward-data, load ≈ 25).
    /// </summary>
    internal static int KernelVersion { get; set; } = 2;

    /// <summary>Panel heights as the AVX2 GEMM's: 6, except 4 when that leaves no ragged remainder (≤ 4 or exactly 8 rows left).</summary>
    private static int PanelHeight(int rowsLeft) => rowsLeft <= 4 || rowsLeft == 8 ? 4 : 6;

    /// <summary>Floats of one sample's grid: OH·Wp rounded up to whole tiles.</summary>
    private static int GridLength(ConvGeometry g) => (g.OutHeight * PaddedImage.Width(g) + Columns - 1) / Columns * Columns;

    private readonly struct Job
    {
        public readonly float* X, Y, Packed;
        public readonly int* Taps, PanelRows;
        public readonly float[]? Bias;
        public readonly ConvGeometry G;
        public readonly int Panels, Splits;

        public Job(float* x, float* y, float* packed, int* taps, int* panelRows, float[]? bias, ConvGeometry g, int panels, int splits)
        {
            X = x; Y = y; Packed = packed; Taps = taps; PanelRows = panelRows; Bias = bias; G = g; Panels = panels; Splits = splits;
        }
    }

    public static void Run(float* x, float* w, float[]? bias, float* y, ConvGeometry g)
    {
        int k = g.KernelSize, kk = k * k, ckk = g.InChannels * kk, cout = g.OutChannels;
        int panels = 0;
        for (int left = cout; left > 0; left -= PanelHeight(left)) panels++;
        // Scratch of ints: the K² tap offsets, then the first row of every panel (and the padded row count).
        var ints = ThreadScratch.Get(ScratchSlot.Columns, kk + panels + 1);
        int rowsPadded = 0;
        fixed (float* pi = ints)
        {
            int* taps = (int*)pi, panelRows = taps + kk;
            int wp = PaddedImage.Width(g);
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) taps[ky * k + kx] = ky * wp + kx;
            for (int p = 0, left = cout; p < panels; p++)
            {
                panelRows[p] = rowsPadded;
                int h = PanelHeight(left);
                rowsPadded += h;
                left -= h;
            }
            panelRows[panels] = rowsPadded;

            var packed = ThreadScratch.Get(ScratchSlot.PackedWeights, rowsPadded * ckk);
            fixed (float* pw = packed)
            {
                // Panel p: window row r's h weights together, rows past Cout zero.
                for (int p = 0; p < panels; p++)
                {
                    int row0 = panelRows[p], h = panelRows[p + 1] - row0;
                    float* dst = pw + (long)row0 * ckk;
                    for (int r = 0; r < ckk; r++)
                        for (int i = 0; i < h; i++)
                            dst[r * h + i] = row0 + i < cout ? w[(long)(row0 + i) * ckk + r] : 0f;
                }
                // Split the panels only when the samples alone leave a core idle.
                int workers = CpuParallel.Workers;
                int splits = g.Batch >= 2 * workers ? 1 : Math.Min(panels, (2 * workers + g.Batch - 1) / g.Batch);
                long cost = 2L * cout * ckk * g.OutHeight * g.OutWidth / splits;
                var job = new Job(x, y, pw, taps, panelRows, bias, g, panels, splits);
                CpuParallel.For(g.Batch * splits, cost, in job, static (in Job j, int start, int end) =>
                {
                    for (int item = start; item < end; item++) Item(in j, item / j.Splits, item % j.Splits);
                });
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Item(in Job j, int n, int split)
    {
        var g = j.G;
        int p0 = j.Panels * split / j.Splits, p1 = j.Panels * (split + 1) / j.Splits;
        if (p1 <= p0) return;
        int kk = g.KernelSize * g.KernelSize, ckk = g.InChannels * kk, wp = PaddedImage.Width(g);
        int plane = PaddedImage.Height(g) * wp, grid = GridLength(g), length = PaddedImage.Length(g);
        int row0 = j.PanelRows[p0], rows = j.PanelRows[p1] - row0;
        // The frame, with room for the last tile's reads past its end (K − 1 + 15 floats, used only by dropped columns).
        var scratch = ThreadScratch.Get(ScratchSlot.Padded, length + 2 * Columns + g.KernelSize + 16);
        var product = ThreadScratch.Get(ScratchSlot.Product, rows * grid);
        fixed (float* s0 = scratch, c0 = product)
        {
            float* frame = s0 + ThreadScratch.AlignedStart(scratch);
            PaddedImage.Fill(j.X + (long)n * g.InChannels * g.Height * g.Width, g, frame);
            // Input channels in blocks of about WindowRowsPerBlock window rows, so a panel's weights for the block
            // (≤ 9 KB) stay in L1 while its frame channels stream past; later blocks add to the grid.
            int blocks = (g.InChannels * kk + WindowRowsPerBlock - 1) / WindowRowsPerBlock;
            int perBlock = (g.InChannels + blocks - 1) / blocks;
            for (int cb = 0; cb < g.InChannels; cb += perBlock)
            {
                int channels = Math.Min(perBlock, g.InChannels - cb);
                bool accumulate = cb > 0;
                float* f = frame + (long)cb * plane;
                for (int p = p0; p < p1; p++)
                {
                    int r0 = j.PanelRows[p], h = j.PanelRows[p + 1] - r0;
                    float* a = j.Packed + (long)r0 * ckk + (long)cb * kk * h, c = c0 + (long)(r0 - row0) * grid;
                    if (g.KernelSize == 3 && KernelVersion == 2)
                    {
                        if (h == GemmMicroKernels.MR)
                            for (int q = 0; q < grid; q += Columns)
                                GridMicroKernels.Tile3x3Unrolled<GemmMicroKernels.SixRows>(f + q, wp, channels, plane, a, c + q, grid, accumulate);
                        else
                            for (int q = 0; q < grid; q += Columns)
                                GridMicroKernels.Tile3x3Unrolled<GemmMicroKernels.FourRows>(f + q, wp, channels, plane, a, c + q, grid, accumulate);
                    }
                    else if (g.KernelSize == 3)
                    {
                        if (h == GemmMicroKernels.MR)
                            for (int q = 0; q < grid; q += Columns)
                                GridMicroKernels.Tile3x3<GemmMicroKernels.SixRows>(f + q, wp, channels, plane, a, c + q, grid, accumulate);
                        else
                            for (int q = 0; q < grid; q += Columns)
                                GridMicroKernels.Tile3x3<GemmMicroKernels.FourRows>(f + q, wp, channels, plane, a, c + q, grid, accumulate);
                    }
                    else if (h == GemmMicroKernels.MR)
                        for (int q = 0; q < grid; q += Columns)
                            GridMicroKernels.Tile<GemmMicroKernels.SixRows>(f + q, j.Taps, kk, channels, plane, a, c + q, grid, accumulate);
                    else
                        for (int q = 0; q < grid; q += Columns)
                            GridMicroKernels.Tile<GemmMicroKernels.FourRows>(f + q, j.Taps, kk, channels, plane, a, c + q, grid, accumulate);
                }
            }
            // Grid rows into y_n without the border columns, plus the bias.
            int oh = g.OutHeight, ow = g.OutWidth, last = Math.Min(g.OutChannels, row0 + rows);
            float* yn = j.Y + (long)n * g.OutChannels * oh * ow;
            for (int co = row0; co < last; co++)
            {
                float* src = c0 + (long)(co - row0) * grid, dst = yn + (long)co * oh * ow;
                float b = j.Bias is null ? 0f : j.Bias[co];
                for (int oy = 0; oy < oh; oy++) CopyRow(src + oy * wp, dst + oy * ow, ow, b);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(float* src, float* dst, int count, float bias)
    {
        var vb = Vector256.Create(bias);
        int i = 0;
        for (; i + 8 <= count; i += 8) (Vector256.Load(src + i) + vb).Store(dst + i);
        for (; i < count; i++) dst[i] = src[i] + bias;
    }
}

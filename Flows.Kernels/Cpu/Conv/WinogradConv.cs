using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// y = conv(x, w) + bias for 3×3, padding 1, stride 1 by Winograd's minimal filtering F(m×m, 3×3)
/// (docs/WINOGRAD.md): the weights are transformed to U_t = (G g Gᵀ)_t, each input tile to V_t = (Bᵀ d B)_t, and
/// for each of the α² transformed positions t one GEMM M_t (Cout × tiles) = U_t (Cout × Cin) · V_t (Cin × tiles)
/// runs on the packed GEMM (<see cref="GemmV2Packed"/>, U_t pre-packed once per call); the output transform
/// Aᵀ M A then gives m×m output pixels per tile. Work is cut into blocks of a few tile rows of one sample, so a
/// block's V and M stay near the core that made them; blocks are spread over the cores. Backward-data is the same
/// computation on dy with the weights transposed over channels and flipped (<see cref="ConvBackwardData"/>),
/// which the weight transform reads in place.
/// <para>
/// Tiles run along x in vectors of 8: the input frame is stored phase-split along x (column u of phase p holds
/// padded column m·u + p), so the 8 tiles' values of one input tap are 8 consecutive floats. A vector may run
/// past a row's last tile; its extra lanes are written into the next tile row's slots before those are written,
/// or into slack, and are never stored to y.
/// </para>
/// </summary>
internal static unsafe partial class WinogradConv
{
    private const int Lanes = 8;

    /// <summary>Tiles per block the driver aims for (settable so a benchmark can tune it).</summary>
    internal static int TargetTilesPerBlock { get; set; } = 112;

    public static bool Supports(ConvGeometry g) => g.KernelSize == 3 && g.Padding == 1 && g.Stride == 1;

    public static void Forward<T>(float[] x, float[] w, float[]? bias, float[] y, ConvGeometry g) where T : struct, IWinogradTile
    {
        fixed (float* px = x, pw = w, py = y)
            Run<T>(px, pw, WeightLayout.Forward(g), bias, py, g);
    }

    /// <summary>dx from dy: the forward computation of the adjoint geometry (channels swapped, same padding).</summary>
    public static void BackwardData<T>(float[] dy, float[] w, float[] dx, ConvGeometry g) where T : struct, IWinogradTile
    {
        var adjoint = new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 1);
        fixed (float* pdy = dy, pw = w, pdx = dx)
            Run<T>(pdy, pw, WeightLayout.Adjoint(g), null, pdx, adjoint);
    }

    /// <summary>Where weight (o, i, ky, kx) of the convolution being computed sits in the caller's array.</summary>
    internal readonly record struct WeightLayout(int Base, int Out, int In, int Row, int Col)
    {
        public static WeightLayout Forward(ConvGeometry g) => new(0, g.InChannels * 9, 9, 3, 1);

        /// <summary>w'[o = ci, i = co, ky, kx] = w[co, ci, 2 − ky, 2 − kx].</summary>
        public static WeightLayout Adjoint(ConvGeometry g) => new(8, 9, g.InChannels * 9, -3, -1);
    }

    /// <summary>
    /// The tiling of a geometry: tile counts, and blocks of consecutive tile rows of the whole batch (a block may
    /// span samples, so small images still give each GEMM enough columns), with the scratch strides that follow.
    /// The blocking does not change the result: every tile's sums run in the same order in any block.
    /// </summary>
    internal readonly struct Plan
    {
        public readonly int M, Alpha, Positions, TilesH, TilesW, TilesWV, TotalRows, Rows, Blocks, PStride, FrameLen;
        public readonly long InputPositionStride, OutputPositionStride;

        public Plan(ConvGeometry g, int m, int alpha)
        {
            M = m;
            Alpha = alpha;
            Positions = alpha * alpha;
            TilesH = (g.Height + m - 1) / m;
            TilesW = (g.Width + m - 1) / m;
            TilesWV = (TilesW + Lanes - 1) / Lanes * Lanes;
            TotalRows = g.Batch * TilesH;
            long tiles = (long)TotalRows * TilesW;
            int blocks = (int)Math.Clamp((tiles + TargetTilesPerBlock - 1) / TargetTilesPerBlock, 1, TotalRows);
            int workers = CpuParallel.Workers;
            if (blocks < 4 * workers) blocks = Math.Min(TotalRows, (blocks + workers - 1) / workers * workers);
            Rows = (TotalRows + blocks - 1) / blocks;
            Blocks = (TotalRows + Rows - 1) / Rows;
            PStride = (Rows * TilesW + Lanes - 1) / Lanes * Lanes + Lanes;
            // One phase of one input row: TilesWV + 1 columns are read; the vector phase split writes whole vectors.
            FrameLen = TilesWV + Lanes;
            InputPositionStride = Skewed((long)g.InChannels * PStride);
            OutputPositionStride = Skewed((long)g.OutChannels * PStride);
        }

        /// <summary>
        /// The transforms touch all α² positions of a tile at once; positions a multiple of 4 KB apart would all
        /// fall into one L1 set. One extra cache line per position puts each stream in its own set.
        /// </summary>
        private static long Skewed(long floats) => (floats + 1023) / 1024 * 1024 + 16;

        /// <summary>Floats of one channel's frame for one tile row: α input rows of m phases.</summary>
        public int RowFrame => Alpha * M * FrameLen;
    }

    private static void Run<T>(float* x, float* w, WeightLayout layout, float[]? bias, float* y, ConvGeometry g)
        where T : struct, IWinogradTile
    {
        var plan = new Plan(g, T.M, T.Alpha);
        int cin = g.InChannels, cout = g.OutChannels, positions = plan.Positions;
        long packedLength = PrepackedA.Length(cout, cin);
        var raw = WinogradScratch.Get(WinogradScratch.Weights, (long)positions * cout * cin);
        var packed = WinogradScratch.Get(WinogradScratch.PackedWeights, positions * packedLength + 16);
        PrepackedA* u = stackalloc PrepackedA[positions];
        fixed (float* pRaw = raw, pPacked = packed)
        {
            TransformWeights<T>(w, layout, pRaw, cout, cin);
            float* aligned = pPacked + ThreadScratch.AlignedStart(packed);
            for (int t = 0; t < positions; t++)
                u[t] = PrepackedA.Create(new DenseA(pRaw + (long)t * cout * cin, cin, false), cout, cin, aligned + t * packedLength);
            long costPerBlock = 2L * cout * cin * positions * plan.Rows * plan.TilesW;
            var job = new BlockJob(x, y, bias, g, plan, u);
            CpuParallel.For(plan.Blocks, costPerBlock, in job, static (in BlockJob s, int start, int end) =>
            {
                for (int block = start; block < end; block++) Block<T>(s.X, s.Y, s.Bias, s.G, s.Plan, s.U, block * s.Plan.Rows);
            });
        }
    }

    /// <summary>The captures of Run's parallel loop, passed by value so a call allocates no closure.</summary>
    private readonly struct BlockJob(float* x, float* y, float[]? bias, ConvGeometry g, Plan plan, PrepackedA* u)
    {
        public readonly float* X = x, Y = y;
        public readonly float[]? Bias = bias;
        public readonly ConvGeometry G = g;
        public readonly Plan Plan = plan;
        public readonly PrepackedA* U = u;
    }

    private readonly struct WeightJob(float* w, WeightLayout layout, float* u, int cin, long plane)
    {
        public readonly float* W = w, U = u;
        public readonly WeightLayout Layout = layout;
        public readonly int Cin = cin;
        public readonly long Plane = plane;
    }

    /// <summary>U_t[o, i] = (G g_oi Gᵀ)_t, computed in double and rounded once; spread over output channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformWeights<T>(float* w, WeightLayout layout, float* u, int cout, int cin) where T : struct, IWinogradTile
    {
        int alpha = T.Alpha;
        long plane = (long)cout * cin;
        var job = new WeightJob(w, layout, u, cin, plane);
        CpuParallel.For(cout, 12L * cin * alpha * alpha, in job, static (in WeightJob s, int start, int end) =>
        {
            int alpha = T.Alpha, cin = s.Cin;
            long plane = s.Plane;
            float* ws = s.W, us = s.U;
            var layout = s.Layout;
            double* gm = stackalloc double[3 * 6];
            double* tap = stackalloc double[9];
            double* half = stackalloc double[6 * 3];
            for (int a = 0; a < alpha; a++) T.GRow(a, out gm[a * 3], out gm[a * 3 + 1], out gm[a * 3 + 2]);
            Vector256<double>* vtap = stackalloc Vector256<double>[9];
            Vector256<double>* vhalf = stackalloc Vector256<double>[6 * 3];
            for (int o = start; o < end; o++)
            {
                int i = 0;
                // Four input channels at a time in Vector256<double>, the same products and sums in the same order
                // as the scalar loop below (so the same bits): it was 8% of an F4 pass at 64→64 on the Zen 2 machine.
                for (; i + 4 <= cin; i += 4)
                {
                    float* src = ws + layout.Base + (long)o * layout.Out + (long)i * layout.In;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                        {
                            float* e = src + ky * layout.Row + kx * layout.Col;
                            vtap[ky * 3 + kx] = Vector256.Create(e[0], e[layout.In], e[2 * layout.In], e[3 * layout.In]);
                        }
                    for (int a = 0; a < alpha; a++)
                    {
                        Vector256<double> g0 = Vector256.Create(gm[a * 3]), g1 = Vector256.Create(gm[a * 3 + 1]), g2 = Vector256.Create(gm[a * 3 + 2]);
                        for (int kx = 0; kx < 3; kx++) vhalf[a * 3 + kx] = g0 * vtap[kx] + g1 * vtap[3 + kx] + g2 * vtap[6 + kx];
                    }
                    for (int a = 0; a < alpha; a++)
                        for (int b = 0; b < alpha; b++)
                        {
                            var v = vhalf[a * 3] * Vector256.Create(gm[b * 3]) + vhalf[a * 3 + 1] * Vector256.Create(gm[b * 3 + 1])
                                    + vhalf[a * 3 + 2] * Vector256.Create(gm[b * 3 + 2]);
                            float* dst = us + (a * alpha + b) * plane + (long)o * cin + i;
                            Vector128.Store(Vector128.Create((float)v[0], (float)v[1], (float)v[2], (float)v[3]), dst);
                        }
                }
                for (; i < cin; i++)
                {
                    float* src = ws + layout.Base + (long)o * layout.Out + (long)i * layout.In;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) tap[ky * 3 + kx] = src[ky * layout.Row + kx * layout.Col];
                    for (int a = 0; a < alpha; a++)
                        for (int kx = 0; kx < 3; kx++)
                            half[a * 3 + kx] = gm[a * 3] * tap[kx] + gm[a * 3 + 1] * tap[3 + kx] + gm[a * 3 + 2] * tap[6 + kx];
                    for (int a = 0; a < alpha; a++)
                        for (int b = 0; b < alpha; b++)
                        {
                            double v = half[a * 3] * gm[b * 3] + half[a * 3 + 1] * gm[b * 3 + 1] + half[a * 3 + 2] * gm[b * 3 + 2];
                            us[(a * alpha + b) * plane + (long)o * cin + i] = (float)v;
                        }
                }
            }
        });
    }

    /// <summary>One block: tile rows [r0, r0 + plan.Rows) of the batch (row R is sample R / TilesH), through all stages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T>(float* x, float* y, float[]? bias, ConvGeometry g, Plan plan, PrepackedA* u, int r0)
        where T : struct, IWinogradTile
    {
        int cin = g.InChannels, cout = g.OutChannels, positions = plan.Positions;
        int rows = Math.Min(plan.Rows, plan.TotalRows - r0), tiles = rows * plan.TilesW;
        long frameLength = (long)cin * rows * plan.RowFrame;
        var frame = WinogradScratch.Get(WinogradScratch.Frame, frameLength + plan.M * plan.FrameLen + 64);
        var transformed = WinogradScratch.Get(WinogradScratch.Transformed, positions * plan.InputPositionStride);
        var products = WinogradScratch.Get(WinogradScratch.Products, positions * plan.OutputPositionStride);
        fixed (float* f = frame, v = transformed, mp = products)
        {
            int* bands = stackalloc int[rows + 1];
            FillFrame(x, g, plan, r0, rows, f, f + frameLength, bands);
            TransformInput<T>(f, cin, plan, rows, bands, v);
            for (int t = 0; t < positions; t++)
            {
                float* product = mp + t * plan.OutputPositionStride;
                GemmV2Packed.Run(cout, tiles, cin, u[t], new DenseB(v + t * plan.InputPositionStride, plan.PStride, false),
                                 product, plan.PStride, false);
                // The last vector of the output transform reads up to 7 slots past the tiles: keep them finite.
                for (int co = 0; co < cout; co++) Vector256.Store(Vector256<float>.Zero, product + (long)co * plan.PStride + tiles);
            }
            TransformOutput<T>(mp, bias, g, plan, r0, rows, y);
        }
    }

    /// <summary>
    /// The block's input rows, each split once into its m column phases (frame row f, phase p, column u = image
    /// column m·u + p − 1; zero outside the image). Consecutive tile rows of one sample share α − m = 2 rows, so a
    /// run of them takes m new rows per tile row after the first α; bands[r] is where tile row r's α rows start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FillFrame(float* x, ConvGeometry g, Plan plan, int r0, int rows, float* frame, float* line, int* bands)
    {
        int m = plan.M, alpha = plan.Alpha, len = plan.FrameLen, h = g.Height, wd = g.Width, cin = g.InChannels;
        long rowLength = (long)m * len;
        int frameRows = 0;
        for (int r = 0; r < rows; r++)
        {
            int ty = (r0 + r) % plan.TilesH;
            bool continues = r > 0 && ty > 0;
            bands[r] = continues ? bands[r - 1] + m : frameRows;
            frameRows = bands[r] + alpha;
        }
        long channelLength = frameRows * rowLength;
        // Channel by channel, so each plane's rows of the block are read in order (a stream the prefetcher sees).
        for (int ci = 0; ci < cin; ci++)
            for (int r = 0; r < rows; r++)
            {
                int n = (r0 + r) / plan.TilesH, ty = (r0 + r) % plan.TilesH;
                bool continues = r > 0 && ty > 0;
                int first = continues ? alpha - m : 0; // rows already there from the tile row above
                float* plane = x + ((long)n * cin + ci) * h * wd;
                for (int i = first; i < alpha; i++)
                {
                    float* dst = frame + ci * channelLength + (bands[r] + i) * rowLength;
                    int yy = m * ty - 1 + i;
                    if ((uint)yy >= (uint)h) new Span<float>(dst, m * len).Clear();
                    else
                    {
                        if (ci + PrefetchChannels < cin) Prefetch(plane + PrefetchChannels * h * wd + (long)yy * wd, wd);
                        WinogradPhases.Split(plane + (long)yy * wd, wd, m, len, dst, line);
                    }
                }
            }
        bands[rows] = frameRows;
    }

    /// <summary>
    /// The frame reads a few rows of one channel plane, then the next plane's: with the tile rows outside the
    /// channels, the hardware prefetcher saw no stream and the rows missed to L3 or memory (the split was 16% of an
    /// F2 pass at 64→64 14×14 on the Zen 2 machine, perf, latency-bound). Now channels are outside and the rows
    /// PrefetchChannels planes ahead are requested beforehand.
    /// </summary>
    private const int PrefetchChannels = 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(float* start, int count)
    {
        if (!Sse.IsSupported) return;
        for (int k = 0; k < count; k += 16) Sse.Prefetch0(start + k);
        Sse.Prefetch0(start + count - 1);
    }

    /// <summary>V[t, ci, tile] = (Bᵀ d B)_t for every tile of the block, 8 tiles of a row at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformInput<T>(float* frame, int cin, Plan plan, int rows, int* bands, float* v) where T : struct, IWinogradTile
    {
        int m = plan.M, alpha = T.Alpha, len = plan.FrameLen, tilesW = plan.TilesW;
        long tapStride = (long)m * len, positionStride = plan.InputPositionStride;
        Vector256<float>* columns = stackalloc Vector256<float>[36];
        float* c = (float*)columns;
        for (int ci = 0; ci < cin; ci++)
            for (int r = 0; r < rows; r++)
            {
                float* band = frame + ((long)ci * bands[rows] + bands[r]) * tapStride;
                float* dst = v + (long)ci * plan.PStride + r * tilesW;
                for (int tx = 0; tx < tilesW; tx += Lanes)
                {
                    // Columns first: tap column j of the 8 tiles is phase j mod m, shifted by j / m tiles.
                    // columns[i·α + j] = (Bᵀ d)_i of tap column j; then the rows straight into V.
                    for (int j = 0; j < alpha; j++)
                        T.Input(band + j % m * len + tx + j / m, (nint)tapStride, c + j * Lanes, alpha * Lanes);
                    for (int i = 0; i < alpha; i++)
                        T.Input(c + i * alpha * Lanes, Lanes, dst + i * alpha * positionStride + tx, (nint)positionStride);
                }
            }
    }

    /// <summary>y tile = Aᵀ M A + bias for every tile of the block, cropped to the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TransformOutput<T>(float* products, float[]? bias, ConvGeometry g, Plan plan, int r0, int rows, float* y)
        where T : struct, IWinogradTile
    {
        int m = plan.M, alpha = T.Alpha, tilesW = plan.TilesW, cout = g.OutChannels, h = g.Height, wd = g.Width;
        long positionStride = plan.OutputPositionStride;
        Vector256<float>* halfVectors = stackalloc Vector256<float>[6 * 4];
        Vector256<float>* tile = stackalloc Vector256<float>[4 * 4];
        float* half = (float*)halfVectors, lanes = (float*)tile;
        for (int co = 0; co < cout; co++)
        {
            var b = Vector256.Create(bias is null ? 0f : bias[co]);
            for (int r = 0; r < rows; r++)
            {
                int n = (r0 + r) / plan.TilesH, oy0 = m * ((r0 + r) % plan.TilesH), height = Math.Min(m, h - oy0);
                float* yc = y + ((long)n * cout + co) * h * wd;
                float* src = products + (long)co * plan.PStride + r * tilesW;
                for (int tx = 0; tx < tilesW; tx += Lanes)
                {
                    // Rows of M first (over the column index), stored transposed so the second pass reads them contiguously.
                    // half[p·α + i] = (Aᵀ M_i·)_p, then tile[q·m + p] = (Aᵀ half_p·)_q + bias.
                    for (int i = 0; i < alpha; i++)
                        T.Output(src + i * alpha * positionStride + tx, (nint)positionStride, half + i * Lanes, alpha * Lanes);
                    for (int p = 0; p < m; p++)
                        T.Output(half + p * alpha * Lanes, Lanes, lanes + p * Lanes, m * Lanes, b);
                    WinogradScatter.Store(lanes, m, yc + (long)oy0 * wd + m * tx, height, wd - m * tx, wd);
                }
            }
        }
    }
}

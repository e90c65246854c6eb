using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Where a Winograd pass spends its time (`Flows.Bench winograd --profile 1`): the stages of
/// <see cref="WinogradConv"/>'s Run and Block, run on the calling thread block after block, each stage timed
/// with the thread's CPU clock summed over the blocks. A copy of the driver's sequence for measuring only; the
/// driver itself has no timing code.
/// </summary>
internal static unsafe partial class WinogradConv
{
    /// <summary>Stage names, in the order <see cref="Profile{T}"/> fills its times.</summary>
    internal static readonly string[] ProfileStages = ["weights", "frame", "input", "gemm", "output"];

    /// <summary>Runs the forward pass (or backward-data with <paramref name="adjoint"/>) stage by stage; ms per stage.</summary>
    internal static double[] Profile<T>(float[] x, float[] w, float[]? bias, float[] y, ConvGeometry g, bool adjoint, Func<double> clockMs)
        where T : struct, IWinogradTile
    {
        var layout = adjoint ? WeightLayout.Adjoint(g) : WeightLayout.Forward(g);
        if (adjoint) g = new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, 3, 1);
        var ms = new double[ProfileStages.Length];
        var plan = new Plan(g, T.M, T.Alpha);
        int cin = g.InChannels, cout = g.OutChannels, positions = plan.Positions;
        long packedLength = PrepackedA.Length(cout, cin);
        var raw = WinogradScratch.Get(WinogradScratch.Weights, (long)positions * cout * cin);
        var packed = WinogradScratch.Get(WinogradScratch.PackedWeights, positions * packedLength + 16);
        PrepackedA* u = stackalloc PrepackedA[positions];
        int* bands = stackalloc int[plan.Rows + 1];
        fixed (float* px = x, pw = w, py = y, pRaw = raw, pPacked = packed)
        {
            var clock = Stopwatch.StartNew();
            TransformWeights<T>(pw, layout, pRaw, cout, cin);
            float* aligned = pPacked + ThreadScratch.AlignedStart(packed);
            for (int t = 0; t < positions; t++)
                u[t] = PrepackedA.Create(new DenseA(pRaw + (long)t * cout * cin, cin, false), cout, cin, aligned + t * packedLength);
            ms[0] = clock.Elapsed.TotalMilliseconds; // TransformWeights runs on the workers: wall clock
            for (int block = 0; block < plan.Blocks; block++)
            {
                int r0 = block * plan.Rows;
                int rows = Math.Min(plan.Rows, plan.TotalRows - r0), tiles = rows * plan.TilesW;
                long frameLength = (long)cin * rows * plan.RowFrame;
                var frame = WinogradScratch.Get(WinogradScratch.Frame, frameLength + plan.M * plan.FrameLen + 64);
                var transformed = WinogradScratch.Get(WinogradScratch.Transformed, positions * plan.InputPositionStride);
                var products = WinogradScratch.Get(WinogradScratch.Products, positions * plan.OutputPositionStride);
                fixed (float* f = frame, v = transformed, mp = products)
                {
                    double t0 = clockMs();
                    FillFrame(px, g, plan, r0, rows, f, f + frameLength, bands);
                    double t1 = clockMs();
                    TransformInput<T>(f, cin, plan, rows, bands, v);
                    double t2 = clockMs();
                    for (int t = 0; t < positions; t++)
                    {
                        float* product = mp + t * plan.OutputPositionStride;
                        GemmV2Packed.Run(cout, tiles, cin, u[t], new DenseB(v + t * plan.InputPositionStride, plan.PStride, false),
                                         product, plan.PStride, false);
                        for (int co = 0; co < cout; co++) Vector256.Store(Vector256<float>.Zero, product + (long)co * plan.PStride + tiles);
                    }
                    double t3 = clockMs();
                    TransformOutput<T>(mp, bias, g, plan, r0, rows, py);
                    double t4 = clockMs();
                    ms[1] += t1 - t0;
                    ms[2] += t2 - t1;
                    ms[3] += t3 - t2;
                    ms[4] += t4 - t3;
                }
            }
        }
        return ms;
    }
}

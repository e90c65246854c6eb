using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Sums over axes (SumTo), per-channel moments and the sum of squares. Work is split over output elements or
/// fixed chunks only, so results do not depend on thread scheduling. Long sums add float vector lanes over
/// short blocks and carry the running total in double, which keeps the error near one float rounding.
/// </summary>
internal static class ReductionKernels
{
    private const int Block = 256;

    public static void SumTo(float[] x, Ncs xs, float[] y, Ncs ys)
    {
        if (xs == ys)
        {
            x.AsSpan(0, xs.Length).CopyTo(y);
            return;
        }
        int nPer = ys.N == 1 ? xs.N : 1, cPer = ys.C == 1 ? xs.C : 1;
        int outputs = ys.N * ys.C;
        if (ys.S == 1)
        {
            // Each output element is a sum of whole input rows.
            CpuParallel.For(outputs, (long)nPer * cPer * xs.S, (x, xs, y, ys, nPer, cPer), static (in state, start, end) =>
            {
                var (x, xs, y, ys, nPer, cPer) = state;
                for (int o = start; o < end; o++)
                {
                    int ny = o / ys.C, cy = o - ny * ys.C;
                    double total = 0;
                    for (int i = 0; i < nPer; i++)
                        for (int j = 0; j < cPer; j++)
                        {
                            int n = ys.N == 1 ? i : ny, c = ys.C == 1 ? j : cy;
                            total += Sum(x.AsSpan((n * xs.C + c) * xs.S, xs.S));
                        }
                    y[o] = (float)total;
                }
            });
            return;
        }
        // ys.S == xs.S: each output row adds whole input rows element-wise; split rows into column chunks
        // so a single output row still spreads over the cores.
        int s = xs.S;
        int colChunks = Math.Max(1, Math.Min(s / 256, 4 * CpuParallel.Workers));
        CpuParallel.For(outputs * colChunks, (long)nPer * cPer * s / colChunks, (x, xs, y, ys, nPer, cPer, s, colChunks),
            static (in state, start, end) =>
        {
            var (x, xs, y, ys, nPer, cPer, s, colChunks) = state;
            for (int item = start; item < end; item++)
            {
                int o = item / colChunks, chunk = item - o * colChunks;
                int c0 = (int)((long)s * chunk / colChunks), c1 = (int)((long)s * (chunk + 1) / colChunks);
                int ny = o / ys.C, cy = o - ny * ys.C;
                var dst = y.AsSpan(o * s + c0, c1 - c0);
                dst.Clear();
                for (int i = 0; i < nPer; i++)
                    for (int j = 0; j < cPer; j++)
                    {
                        int n = ys.N == 1 ? i : ny, c = ys.C == 1 ? j : cy;
                        AddInto(x.AsSpan((n * xs.C + c) * s + c0, c1 - c0), dst);
                    }
            }
        });
    }

    public static void ChannelMoments(float[] x, Ncs shape, float[] mean, float[] variance)
    {
        int s = shape.S;
        double count = (double)shape.N * s;
        CpuParallel.For(shape.C, 2L * shape.N * s, (x, shape, mean, variance, s, count), static (in state, start, end) =>
        {
            var (x, shape, mean, variance, s, count) = state;
            for (int c = start; c < end; c++)
            {
                double total = 0;
                for (int n = 0; n < shape.N; n++) total += Sum(x.AsSpan((n * shape.C + c) * s, s));
                double mu = total / count;
                double squares = 0;
                for (int n = 0; n < shape.N; n++) squares += SumSquaredDeviation(x.AsSpan((n * shape.C + c) * s, s), (float)mu);
                mean[c] = (float)mu;
                variance[c] = (float)(squares / count);
            }
        });
    }

    public static double SumOfSquares(float[] x, int count)
    {
        const int chunkSize = 1 << 16;
        int chunks = (count + chunkSize - 1) / chunkSize;
        if (chunks <= 1) return SumSquaredDeviation(x.AsSpan(0, count), 0f);
        var partial = ThreadScratch.GetZeroedDoubles(DoubleSlot.SumOfSquares, chunks);
        CpuParallel.ForFixedChunks(count, chunks, true, (x, partial), static (in state, chunk, start, end) =>
            state.partial[chunk] = SumSquaredDeviation(state.x.AsSpan(start, end - start), 0f));
        double total = 0;
        for (int chunk = 0; chunk < chunks; chunk++) total += partial[chunk];
        return total;
    }

    /// <summary>Σ x with float lanes over blocks of <see cref="Block"/> and a double running total.</summary>
    public static double Sum(ReadOnlySpan<float> x)
    {
        double total = 0;
        for (int b = 0; b < x.Length; b += Block)
        {
            var part = x.Slice(b, Math.Min(Block, x.Length - b));
            var vx = MemoryMarshal.Cast<float, Vector<float>>(part);
            var acc = Vector<float>.Zero;
            for (int v = 0; v < vx.Length; v++) acc += vx[v];
            float rest = 0;
            for (int i = vx.Length * Vector<float>.Count; i < part.Length; i++) rest += part[i];
            total += (double)Vector.Sum(acc) + rest;
        }
        return total;
    }

    /// <summary>Σ (x − mean)², blocked like <see cref="Sum"/>.</summary>
    public static double SumSquaredDeviation(ReadOnlySpan<float> x, float mean)
    {
        double total = 0;
        var vm = new Vector<float>(mean);
        for (int b = 0; b < x.Length; b += Block)
        {
            var part = x.Slice(b, Math.Min(Block, x.Length - b));
            var vx = MemoryMarshal.Cast<float, Vector<float>>(part);
            var acc = Vector<float>.Zero;
            for (int v = 0; v < vx.Length; v++)
            {
                var d = vx[v] - vm;
                acc += d * d;
            }
            float rest = 0;
            for (int i = vx.Length * Vector<float>.Count; i < part.Length; i++)
            {
                float d = part[i] - mean;
                rest += d * d;
            }
            total += (double)Vector.Sum(acc) + rest;
        }
        return total;
    }

    /// <summary>Σ a·b, blocked like <see cref="Sum"/>.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double total = 0;
        for (int start = 0; start < a.Length; start += Block)
        {
            int len = Math.Min(Block, a.Length - start);
            var pa = a.Slice(start, len);
            var pb = b.Slice(start, len);
            var va = MemoryMarshal.Cast<float, Vector<float>>(pa);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(pb);
            var acc = Vector<float>.Zero;
            for (int v = 0; v < va.Length; v++) acc += va[v] * vb[v];
            float rest = 0;
            for (int i = va.Length * Vector<float>.Count; i < len; i++) rest += pa[i] * pb[i];
            total += (double)Vector.Sum(acc) + rest;
        }
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInto(ReadOnlySpan<float> x, Span<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        for (int v = 0; v < vy.Length; v++) vy[v] += vx[v];
        for (int i = vy.Length * Vector<float>.Count; i < y.Length; i++) y[i] += x[i];
    }
}

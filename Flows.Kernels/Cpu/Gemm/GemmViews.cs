namespace Flows.Kernels.Cpu;

/// <summary>
/// Sub-matrix views of a panel source, so one GEMM can be split across cores: each part packs only its own
/// rows of A or columns of B and writes its own block of C.
/// </summary>
internal readonly unsafe struct RowOffsetA<TA>(TA inner, int rowOffset) : IPackA where TA : struct, IPackA
{
    public void Pack(float* dst, int ic, int mc, int pc, int kc) => inner.Pack(dst, ic + rowOffset, mc, pc, kc);

    /// <summary>Shifted rows do not line up with a pre-packed source's blocks: always pack.</summary>
    public float* Prepacked(int ic, int pc, int kc) => null;
}

internal readonly unsafe struct ColumnOffsetB<TB>(TB inner, int columnOffset) : IPackB where TB : struct, IPackB
{
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr) => inner.Pack(dst, pc, kc, jc + columnOffset, nc, nr);
}

/// <summary>Runs one GEMM on all cores by splitting C into column blocks (or row blocks when C is tall).</summary>
internal static unsafe class GemmSplit
{
    /// <summary>One GEMM on all cores when <paramref name="split"/>, else on the calling thread (callers that
    /// already spread independent GEMMs over the cores).</summary>
    public static void RunOrSerial<TA, TB>(bool split, int m, int n, int k, TA a, TB b, float* c, int ldc, bool accumulate)
        where TA : struct, IPackA where TB : struct, IPackB
    {
        if (split) Run(m, n, k, a, b, c, ldc, accumulate);
        else GemmV2Packed.Run(m, n, k, a, b, c, ldc, accumulate);
    }

    public static void Run<TA, TB>(int m, int n, int k, TA a, TB b, float* c, int ldc, bool accumulate)
        where TA : struct, IPackA where TB : struct, IPackB
    {
        long cost = 2L * m * n * k;
        int workers = CpuParallel.Workers;
        if (workers <= 1 || cost < 8 * CpuParallel.SerialThreshold)
        {
            GemmV2Packed.Run(m, n, k, a, b, c, ldc, accumulate);
            return;
        }
        bool splitN = n >= m;
        int unit = splitN ? GemmV2Packed.NR : GemmMicroKernels.MaxRows, extent = splitN ? n : m;
        int units = (extent + unit - 1) / unit;
        int parts = Math.Min(units, workers);
        float* cc = c;
        SpinningWorkers.Run(parts, part =>
        {
            int start = (int)((long)units * part / parts) * unit;
            int end = Math.Min(extent, (int)((long)units * (part + 1) / parts) * unit);
            if (end <= start) return;
            if (splitN)
                GemmV2Packed.Run(m, end - start, k, a, new ColumnOffsetB<TB>(b, start), cc + start, ldc, accumulate);
            else
                GemmV2Packed.Run(end - start, n, k, new RowOffsetA<TA>(a, start), b, cc + (long)start * ldc, ldc, accumulate);
        });
    }
}

namespace Flows.Kernels.Cpu;

/// <summary>
/// The GEMM every dense op uses: C (m×n) (+)= op(A) (m×k) · op(B) (k×n), row-major with leading dimensions.
/// Dispatches to the current best version; <see cref="MultiplyParallel"/> also splits rows over the cores.
/// </summary>
internal static class Gemm
{
    public static void Multiply(int m, int n, int k,
                                ReadOnlySpan<float> a, int lda, bool transA,
                                ReadOnlySpan<float> b, int ldb, bool transB,
                                Span<float> c, int ldc, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        GemmV1Rows.Run(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate);
    }

    public static void MultiplyParallel(int m, int n, int k,
                                        float[] a, int aOffset, int lda, bool transA,
                                        float[] b, int bOffset, int ldb, bool transB,
                                        float[] c, int cOffset, int ldc, bool accumulate)
    {
        CpuParallel.For(m, 2L * n * k, (start, end) =>
        {
            int aStart = aOffset + (transA ? start : start * lda);
            Multiply(end - start, n, k, a.AsSpan(aStart), lda, transA, b.AsSpan(bOffset), ldb, transB,
                     c.AsSpan(cOffset + start * ldc), ldc, accumulate);
        });
    }
}

namespace Flows.Kernels.Cpu;

/// <summary>
/// The GEMM every dense op uses: C (m×n) (+)= op(A) (m×k) · op(B) (k×n), row-major with leading dimensions,
/// on the current best version (<see cref="GemmV2Packed"/>). <see cref="MultiplyParallel"/> spreads one
/// product over the cores.
/// </summary>
internal static unsafe class Gemm
{
    public static void Multiply(int m, int n, int k,
                                ReadOnlySpan<float> a, int lda, bool transA,
                                ReadOnlySpan<float> b, int ldb, bool transB,
                                Span<float> c, int ldc, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
            GemmV2Packed.Run(m, n, k, new DenseA(pa, lda, transA), new DenseB(pb, ldb, transB), pc, ldc, accumulate);
    }

    public static void MultiplyParallel(int m, int n, int k,
                                        float[] a, int aOffset, int lda, bool transA,
                                        float[] b, int bOffset, int ldb, bool transB,
                                        float[] c, int cOffset, int ldc, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
            GemmSplit.Run(m, n, k, new DenseA(pa + aOffset, lda, transA), new DenseB(pb + bOffset, ldb, transB),
                          pc + cOffset, ldc, accumulate);
    }
}

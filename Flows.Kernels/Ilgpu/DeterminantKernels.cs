using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// log|det W| and W⁻ᵀ of Glow's small C×C 1×1-convolution weight on the device, so the step reads nothing back
/// (docs/PERFORMANCE.md, "Launches and host synchronisations per step"): one thread runs Gauss–Jordan elimination
/// with partial pivoting in float on lu (a copy of W), turning the identity in inverseTranspose into W⁻¹, then
/// transposes it in place. C ≤ 48 in the paper's Glow, so one thread's C³ steps take microseconds; a singular
/// pivot writes −∞ and NaNs, which the step's non-finite flag catches.
/// v1 (kept as the host path, Flows.Core/Numerics/DenseLinearAlgebra.cs): download W, LU in double, upload.
/// </summary>
internal sealed class DeterminantKernels
{
    private readonly Action<Index1D, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> _logAbsDet;

    public DeterminantKernels(Accelerator accelerator) =>
        _logAbsDet = LaunchCounter.For(accelerator).Counted(
            accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(LogAbsDetKernel));

    public void LogAbsDeterminant(ArrayView<float> weight, int n, ArrayView<float> logAbsDet, ArrayView<float> inverseTranspose, ArrayView<float> lu) =>
        _logAbsDet(1, weight, n, logAbsDet, inverseTranspose, lu);

    private static void LogAbsDetKernel(Index1D index, ArrayView<float> w, int n, ArrayView<float> logAbsDet,
                                        ArrayView<float> inv, ArrayView<float> a)
    {
        for (int i = 0; i < n * n; i++)
        {
            a[i] = w[i];
            inv[i] = i / n == i % n ? 1f : 0f;
        }
        float logDet = 0f;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Abs(a[r * n + col]) > Abs(a[pivot * n + col])) pivot = r;
            float p = a[pivot * n + col];
            if (p == 0f)
            {
                logAbsDet[0] = float.NegativeInfinity;
                for (int i = 0; i < n * n; i++) inv[i] = float.NaN;
                return;
            }
            if (pivot != col)
                for (int k = 0; k < n; k++)
                {
                    float t = a[col * n + k];
                    a[col * n + k] = a[pivot * n + k];
                    a[pivot * n + k] = t;
                    t = inv[col * n + k];
                    inv[col * n + k] = inv[pivot * n + k];
                    inv[pivot * n + k] = t;
                }
            logDet += DeviceMath.Log(Abs(p));
            for (int k = 0; k < n; k++)
            {
                a[col * n + k] /= p;
                inv[col * n + k] /= p;
            }
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                float f = a[r * n + col];
                if (f == 0f) continue;
                for (int k = 0; k < n; k++)
                {
                    a[r * n + k] -= f * a[col * n + k];
                    inv[r * n + k] -= f * inv[col * n + k];
                }
            }
        }
        logAbsDet[0] = logDet;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                float t = inv[i * n + j];
                inv[i * n + j] = inv[j * n + i];
                inv[j * n + i] = t;
            }
    }

    private static float Abs(float x) => x < 0f ? -x : x;
}

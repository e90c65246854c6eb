namespace Flows.Kernels.Cpu;

/// <summary>
/// log|det W| and W⁻ᵀ of a small square matrix (Glow's invertible 1×1 convolution) by Gauss–Jordan elimination with
/// partial pivoting in double, as Flows.Core's DenseLinearAlgebra does on the host; lu is the contract's scratch.
/// </summary>
internal static class DeterminantKernels
{
    public static void LogAbsDeterminant(float[] weight, int n, float[] logAbsDet, float[] inverseTranspose)
    {
        // The thread's scratch (zeroed), not new arrays: the op runs once per Glow step and layer.
        var a = ThreadScratch.GetZeroedDoubles(DoubleSlot.Matrix, n * n);
        var inv = ThreadScratch.GetZeroedDoubles(DoubleSlot.Inverse, n * n);
        for (int i = 0; i < n * n; i++) a[i] = weight[i];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1.0;
        double logDet = 0.0;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(a[r * n + col]) > Math.Abs(a[pivot * n + col])) pivot = r;
            double p = a[pivot * n + col];
            if (p == 0.0)
            {
                logAbsDet[0] = float.NegativeInfinity;
                Array.Fill(inverseTranspose, float.NaN, 0, n * n);
                return;
            }
            if (pivot != col)
                for (int k = 0; k < n; k++)
                {
                    (a[col * n + k], a[pivot * n + k]) = (a[pivot * n + k], a[col * n + k]);
                    (inv[col * n + k], inv[pivot * n + k]) = (inv[pivot * n + k], inv[col * n + k]);
                }
            logDet += Math.Log(Math.Abs(p));
            for (int k = 0; k < n; k++)
            {
                a[col * n + k] /= p;
                inv[col * n + k] /= p;
            }
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double f = a[r * n + col];
                if (f == 0.0) continue;
                for (int k = 0; k < n; k++)
                {
                    a[r * n + k] -= f * a[col * n + k];
                    inv[r * n + k] -= f * inv[col * n + k];
                }
            }
        }
        logAbsDet[0] = (float)logDet;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                inverseTranspose[i * n + j] = (float)inv[j * n + i];
    }
}

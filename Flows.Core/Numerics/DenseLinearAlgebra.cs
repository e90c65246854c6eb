namespace Flows.Core;

/// <summary>Small dense matrices on the host in double precision: LU log-determinant and inverse (C ≤ a few hundred).</summary>
public static class DenseLinearAlgebra
{
    /// <summary>log|det A| of a row-major n×n matrix; −∞ when A is singular.</summary>
    public static double LogAbsDeterminant(ReadOnlySpan<float> a, int n)
    {
        var lu = ToDouble(a, n);
        double logAbs = 0;
        for (int col = 0; col < n; col++)
        {
            int pivot = PivotRow(lu, n, col);
            if (lu[pivot * n + col] == 0) return double.NegativeInfinity;
            SwapRows(lu, n, pivot, col);
            double diagonal = lu[col * n + col];
            logAbs += Math.Log(Math.Abs(diagonal));
            for (int row = col + 1; row < n; row++)
            {
                double factor = lu[row * n + col] / diagonal;
                for (int k = col; k < n; k++) lu[row * n + k] -= factor * lu[col * n + k];
            }
        }
        return logAbs;
    }

    /// <summary>A⁻¹ of a row-major n×n matrix by Gauss–Jordan with partial pivoting.</summary>
    public static double[] Inverse(ReadOnlySpan<float> a, int n)
    {
        var m = ToDouble(a, n);
        var inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int col = 0; col < n; col++)
        {
            int pivot = PivotRow(m, n, col);
            if (m[pivot * n + col] == 0)
                throw new NumericalException($"matrix inverse: the {n}×{n} matrix is singular");
            SwapRows(m, n, pivot, col);
            SwapRows(inv, n, pivot, col);
            double d = m[col * n + col];
            for (int k = 0; k < n; k++) { m[col * n + k] /= d; inv[col * n + k] /= d; }
            for (int row = 0; row < n; row++)
            {
                if (row == col) continue;
                double f = m[row * n + col];
                if (f == 0) continue;
                for (int k = 0; k < n; k++) { m[row * n + k] -= f * m[col * n + k]; inv[row * n + k] -= f * inv[col * n + k]; }
            }
        }
        return inv;
    }

    private static double[] ToDouble(ReadOnlySpan<float> a, int n)
    {
        if (a.Length != n * n) throw new ArgumentException($"expected {n}×{n} = {n * n} values, got {a.Length}");
        var d = new double[n * n];
        for (int i = 0; i < d.Length; i++) d[i] = a[i];
        return d;
    }

    private static int PivotRow(double[] m, int n, int col)
    {
        int best = col;
        for (int row = col + 1; row < n; row++)
            if (Math.Abs(m[row * n + col]) > Math.Abs(m[best * n + col])) best = row;
        return best;
    }

    private static void SwapRows(double[] m, int n, int r1, int r2)
    {
        if (r1 == r2) return;
        for (int k = 0; k < n; k++) (m[r1 * n + k], m[r2 * n + k]) = (m[r2 * n + k], m[r1 * n + k]);
    }
}

using System.Runtime.CompilerServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// op(A) = dY of several samples side by side (m = Cout rows, k = samples·OH·OW columns): element (co, p) is
/// dY[n0 + p / plane, co, p mod plane]. Backward-weight multiplies it by the matching colsᵀ, so one GEMM sums
/// the weight gradient over all its samples. Packed as <see cref="IPackA"/> panels, eight pixels of a panel's
/// rows at a time through a register transpose where they lie in one sample.
/// </summary>
internal readonly unsafe struct SamplesA(float* dy, int plane, int sampleSize) : IPackA
{
    public float* Prepacked(int ic, int pc, int kc) => null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int ic, int mc, int pc, int kc)
    {
        float** rowStarts = stackalloc float*[8];
        for (int i0 = 0, h; i0 < mc; i0 += h)
        {
            h = GemmMicroKernels.PanelHeight(mc - i0);
            int rows = Math.Min(h, mc - i0);
            float* panel = dst + i0 * kc;
            int n = pc / plane, s = pc - n * plane;
            for (int p = 0; p < kc;)
            {
                // Row co of sample n is contiguous from pixel s to the end of the plane.
                for (int r = 0; r < rows; r++) rowStarts[r] = dy + (long)n * sampleSize + (long)(ic + i0 + r) * plane + s;
                int run = Math.Min(plane - s, kc - p);
                PanelTranspose.IntoPanel(panel + p * h, h, h, rowStarts, rows, run);
                p += run;
                n++;
                s = 0;
            }
        }
    }
}

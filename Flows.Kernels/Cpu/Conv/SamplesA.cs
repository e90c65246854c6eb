using System.Runtime.CompilerServices;
namespace Flows.Kernels.Cpu;

/// <summary>
/// op(A) = dY of several samples side by side (m = Cout rows, k = samples·OH·OW columns): element (co, p) is
/// dY[n0 + p / plane, co, p mod plane]. Backward-weight multiplies it by the matching colsᵀ, so one GEMM sums
/// the weight gradient over all its samples. Packed as <see cref="IPackA"/> panels.
/// </summary>
internal readonly unsafe struct SamplesA(float* dy, int plane, int sampleSize) : IPackA
{
    public float* Prepacked(int ic, int pc, int kc) => null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int ic, int mc, int pc, int kc)
    {
        for (int i0 = 0, h; i0 < mc; i0 += h)
        {
            h = GemmMicroKernels.PanelHeight(mc - i0);
            int rows = Math.Min(h, mc - i0);
            float* panel = dst + i0 * kc;
            for (int r = 0; r < h; r++)
            {
                if (r >= rows)
                {
                    for (int p = 0; p < kc; p++) panel[p * h + r] = 0f;
                    continue;
                }
                // Row co of each sample is contiguous: copy it in runs up to the sample's end.
                int n = pc / plane, s = pc - n * plane;
                for (int p = 0; p < kc; n++, s = 0)
                {
                    float* src = dy + (long)n * sampleSize + (long)(ic + i0 + r) * plane;
                    int run = Math.Min(plane - s, kc - p);
                    for (int q = 0; q < run; q++) panel[(p + q) * h + r] = src[s + q];
                    p += run;
                }
            }
        }
    }
}

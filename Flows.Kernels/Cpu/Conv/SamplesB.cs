using System.Runtime.CompilerServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// op(B) = dY of several samples side by side (k = Cout rows, n = samples·OH·OW columns): element (co, j) is
/// dY[n0 + j / plane, co, j mod plane]. Strided backward-data multiplies Wᵀ by it, so one GEMM covers a group
/// of small images (7×7 outputs alone would give 49-column GEMMs). A panel inside one sample is a contiguous
/// run of each dY row and goes as vector copies; one that crosses into the next sample gathers through
/// per-panel column offsets. (The gather alone cost as much as the multiply-adds at Cin·K·K = 18 rows, the
/// stride-1 few-channel case of <see cref="ConvBackwardData.UsesColumnGradient"/>.)
/// </summary>
internal readonly unsafe struct SamplesB(float* dy, int plane, int sampleSize) : IPackB
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        int* columnOffset = stackalloc int[nr];
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            for (int jj = 0; jj < cols; jj++)
            {
                int column = jc + j0 + jj, n = column / plane;
                columnOffset[jj] = n * sampleSize + column - n * plane;
            }
            float* panel = dst + j0 * kc;
            if (cols == nr && columnOffset[nr - 1] - columnOffset[0] == nr - 1)
            {
                float* first = dy + columnOffset[0];
                for (int p = 0; p < kc; p++) PanelCopy.Contiguous(first + (long)(pc + p) * plane, panel + p * nr, nr);
                continue;
            }
            if (cols == nr && plane >= nr)
            {
                // The panel crosses into the next sample once: two contiguous pieces per row.
                int split = 1;
                while (columnOffset[split] == columnOffset[split - 1] + 1) split++;
                float* a = dy + columnOffset[0], b = dy + columnOffset[split];
                for (int p = 0; p < kc; p++)
                {
                    long row = (long)(pc + p) * plane;
                    float* d = panel + p * nr;
                    for (int jj = 0; jj < split; jj++) d[jj] = a[row + jj];
                    for (int jj = split; jj < nr; jj++) d[jj] = b[row + jj - split];
                }
                continue;
            }
            for (int p = 0; p < kc; p++)
            {
                float* src = dy + (long)(pc + p) * plane;
                float* d = panel + p * nr;
                int jj = 0;
                for (; jj < cols; jj++) d[jj] = src[columnOffset[jj]];
                for (; jj < nr; jj++) d[jj] = 0f;
            }
        }
    }
}

namespace Flows.Kernels.Cpu;

/// <summary>
/// im2col fused into GEMM packing: the column matrix cols[r = (ci·K + ky)·K + kx, s = oy·OW + ox] =
/// x[ci, oy + ky − P, ox + kx − P] (zero outside the image) is never built; its panels are written straight
/// from the image. This saves writing and re-reading the Cin·K·K × OH·OW matrix (1.8 MB per sample at
/// 64 channels, 28×28) on top of the packing pass. Padding may be negative (it crops), which backward-data
/// uses when P > K − 1.
/// </summary>
internal readonly unsafe struct Im2ColB(float* image, ConvGeometry g) : IPackB
{
    /// <summary>B = cols (k = Cin·K·K rows, n = OH·OW columns), for the forward convolution.</summary>
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        int kk = g.KernelSize * g.KernelSize, ow = g.OutWidth, w = g.Width, h = g.Height, pad = g.Padding;
        int panelStride = kc * nr;
        for (int p = 0; p < kc; p++)
        {
            int r = pc + p, ci = r / kk, rem = r - ci * kk, ky = rem / g.KernelSize, kx = rem - ky * g.KernelSize;
            float* plane = image + (long)ci * h * w;
            int oy = jc / ow, ox = jc - oy * ow;
            int j = 0;
            while (j < nc)
            {
                // One run: the rest of output row oy, cut at panel boundaries so the destination is contiguous.
                int inPanel = j % nr;
                int len = Math.Min(Math.Min(ow - ox, nc - j), nr - inPanel);
                float* d = dst + (j / nr) * panelStride + p * nr + inPanel;
                int iy = oy + ky - pad;
                if (iy < 0 || iy >= h) new Span<float>(d, len).Clear();
                else ImageRun.Copy(plane + (long)iy * w, ox + kx - pad, w, d, len);
                j += len;
                ox += len;
                if (ox == ow)
                {
                    ox = 0;
                    oy++;
                }
            }
            int tail = (nr - nc % nr) % nr;
            if (tail > 0) new Span<float>(dst + (nc / nr) * panelStride + p * nr + nc % nr, tail).Clear();
        }
    }
}

/// <summary>B = colsᵀ (k = OH·OW rows, n = Cin·K·K columns), for the weight gradient dY · colsᵀ.</summary>
internal readonly unsafe struct Im2ColTransposedB(float* image, ConvGeometry g) : IPackB
{
    public void Pack(float* dst, int pc, int kc, int jc, int nc, int nr)
    {
        int kk = g.KernelSize * g.KernelSize, ow = g.OutWidth, w = g.Width, h = g.Height, pad = g.Padding;
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            float* panel = dst + j0 * kc;
            int cols = Math.Min(nr, nc - j0);
            for (int jj = 0; jj < nr; jj++)
            {
                float* d = panel + jj;
                if (jj >= cols)
                {
                    for (int p = 0; p < kc; p++) d[p * nr] = 0f;
                    continue;
                }
                int r = jc + j0 + jj, ci = r / kk, rem = r - ci * kk, ky = rem / g.KernelSize, kx = rem - ky * g.KernelSize;
                float* plane = image + (long)ci * h * w;
                int oy = pc / ow, ox = pc - oy * ow;
                int p0 = 0;
                while (p0 < kc)
                {
                    int len = Math.Min(ow - ox, kc - p0);
                    int iy = oy + ky - pad;
                    float* outp = d + p0 * nr;
                    if (iy < 0 || iy >= h)
                    {
                        for (int t = 0; t < len; t++) outp[t * nr] = 0f;
                    }
                    else
                    {
                        float* row = plane + (long)iy * w;
                        int ix0 = ox + kx - pad;
                        // Valid t: 0 ≤ ix0 + t < w.
                        int t0 = Math.Clamp(-ix0, 0, len), t1 = Math.Clamp(w - ix0, t0, len);
                        int t = 0;
                        for (; t < t0; t++) outp[t * nr] = 0f;
                        for (; t < t1; t++) outp[t * nr] = row[ix0 + t];
                        for (; t < len; t++) outp[t * nr] = 0f;
                    }
                    p0 += len;
                    ox += len;
                    if (ox == ow)
                    {
                        ox = 0;
                        oy++;
                    }
                }
            }
        }
    }
}

/// <summary>Copies len pixels of one image row starting at column ix0 (possibly outside), zeros outside.</summary>
internal static unsafe class ImageRun
{
    public static void Copy(float* row, int ix0, int width, float* dst, int len)
    {
        int t0 = Math.Clamp(-ix0, 0, len), t1 = Math.Clamp(width - ix0, t0, len);
        int t = 0;
        for (; t < t0; t++) dst[t] = 0f;
        if (t1 > t0) new ReadOnlySpan<float>(row + ix0 + t0, t1 - t0).CopyTo(new Span<float>(dst + t0, t1 - t0));
        for (t = t1; t < len; t++) dst[t] = 0f;
    }
}

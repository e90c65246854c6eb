namespace Flows.Kernels.Cpu;

/// <summary>
/// The column matrix of one sample: cols[(ci·K + ky)·K + kx, oy·OW + ox] = x[ci, oy + ky − P, ox + kx − P]
/// (zero outside the image), so conv(x, w) = W (Cout × Cin·K·K) · cols. Only the earlier explicit-im2col
/// convolution (<see cref="ConvForwardV1"/>) builds this matrix; the current kernels pack it on the fly.
/// </summary>
internal static class Im2Col
{
    public static void Expand(ReadOnlySpan<float> x, Span<float> cols, ConvGeometry g)
    {
        int k = g.KernelSize, p = g.Padding, h = g.Height, w = g.Width, oh = g.OutHeight, ow = g.OutWidth;
        int plane = oh * ow;
        for (int ci = 0; ci < g.InChannels; ci++)
        {
            var input = x.Slice(ci * h * w, h * w);
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    var row = cols.Slice(((ci * k + ky) * k + kx) * plane, plane);
                    // Output columns ox in [x0, x1) read inside the image; the rest are padding.
                    int x0 = Math.Max(0, p - kx), x1 = Math.Min(ow, w + p - kx);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        var dst = row.Slice(oy * ow, ow);
                        int iy = oy + ky - p;
                        if (iy < 0 || iy >= h || x1 <= x0)
                        {
                            dst.Clear();
                            continue;
                        }
                        dst[..x0].Clear();
                        input.Slice(iy * w + x0 + kx - p, x1 - x0).CopyTo(dst[x0..x1]);
                        dst[x1..].Clear();
                    }
                }
        }
    }
}

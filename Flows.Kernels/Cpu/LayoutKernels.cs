namespace Flows.Kernels.Cpu;

/// <summary>Channel copies (concat/split) and the 2×2 squeeze with the paper's channel order 4c + 2dy + dx.</summary>
internal static class LayoutKernels
{
    public static void CopyChannels(float[] src, int srcChannels, int srcOffset, float[] dst, int dstChannels, int dstOffset,
                                    int count, int batch, int spatial)
    {
        // The copied channels of one sample are one contiguous block on both sides.
        int block = count * spatial;
        CpuParallel.For(batch, block, (src, srcChannels, srcOffset, dst, dstChannels, dstOffset, spatial, block), static (in state, start, end) =>
        {
            var (src, srcChannels, srcOffset, dst, dstChannels, dstOffset, spatial, block) = state;
            for (int n = start; n < end; n++)
                src.AsSpan((n * srcChannels + srcOffset) * spatial, block)
                   .CopyTo(dst.AsSpan((n * dstChannels + dstOffset) * spatial, block));
        });
    }

    public static void Squeeze(float[] x, float[] y, int batch, int channels, int height, int width, bool inverse)
    {
        int h2 = height / 2, w2 = width / 2, plane = height * width, outPlane = h2 * w2;
        CpuParallel.For(batch * channels, plane, (x, y, width, inverse, h2, w2, plane, outPlane), static (in state, start, end) =>
        {
            var (x, y, width, inverse, h2, w2, plane, outPlane) = state;
            for (int nc = start; nc < end; nc++)
            {
                // Input plane nc maps to the four output planes 4nc + 2dy + dx (n·4C + 4c = 4(n·C + c)).
                int src = nc * plane;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                    {
                        int dst = (4 * nc + 2 * dy + dx) * outPlane;
                        for (int i = 0; i < h2; i++)
                        {
                            int rowIn = src + (2 * i + dy) * width + dx, rowOut = dst + i * w2;
                            if (inverse)
                                for (int j = 0; j < w2; j++) x[rowIn + 2 * j] = y[rowOut + j];
                            else
                                for (int j = 0; j < w2; j++) y[rowOut + j] = x[rowIn + 2 * j];
                        }
                    }
            }
        });
    }
}

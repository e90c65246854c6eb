namespace Flows.Kernels.Cpu;

/// <summary>
/// How many samples one convolution GEMM spans. A 7×7 image alone gives a GEMM of 49 columns: W is packed for
/// 49 columns of work and the last of 4 column panels holds 1 pixel in 16. Grouping samples until a GEMM has
/// about <see cref="TargetColumns"/> columns fixes both, while leaving at least two groups per core.
/// </summary>
internal static class ConvGrouping
{
    public const int TargetColumns = 512;

    public static int SamplesPerGemm(ConvGeometry g)
    {
        int plane = g.OutHeight * g.OutWidth, workers = CpuParallel.Workers;
        int wanted = Math.Max(1, (TargetColumns + plane - 1) / plane);
        int most = Math.Min(wanted, Math.Max(1, g.Batch / (2 * workers)));
        // Prefer a group size whose group count the cores share evenly (batch 32 at 14×14: 16 groups of 2, not
        // 11 of 3, where one core would wait a twelfth of the call for the other).
        for (int samples = most; samples > 1; samples--)
            if ((g.Batch + samples - 1) / samples % workers == 0) return samples;
        return most;
    }
}

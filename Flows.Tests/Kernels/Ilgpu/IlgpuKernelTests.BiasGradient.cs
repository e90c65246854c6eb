using Flows.Kernels;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>
/// Backward-weight with the bias gradient as one more product column (ConvBiasGradientKernels): with K split over
/// groups and without, under GEMM v1, v2 and v3 (v3 keeps the separate reduction), against the CPU backend.
/// </summary>
public abstract partial class IlgpuKernelTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Conv2dBackwardWeightAndBiasWithAndWithoutSplitK(int version)
    {
        int saved = Device.SplitTargetGroups;
        try
        {
            Device.GemmVersion = version;
            // Cin·K·K = 64: the bias column opens a second 64-wide tile column.
            foreach (var (g, targetGroups) in new[] { (ConvGeometry.Same(2, 2, 6, 11, 3, 3), 8), (ConvGeometry.Same(1, 64, 3, 3, 5, 1), 1) })
            {
                Device.SplitTargetGroups = targetGroups;
                var x = Up(g.InputLength, 31);
                var dy = Up(g.OutputLength, 32);
                var dw = Poisoned(g.WeightLength);
                var db = Poisoned(g.OutChannels);
                Device.Conv2dBackwardWeightAndBias(x.Device, dy.Device, dw.Device, db.Device, g);
                Reference.Conv2dBackwardWeightAndBias(x.Reference, dy.Reference, dw.Reference, db.Reference, g);
                Check(dw, ReductionTolerance, $"v{version} {g}: weight gradient");
                Check(db, ReductionTolerance, $"v{version} {g}: bias gradient");
            }
        }
        finally
        {
            Device.SplitTargetGroups = saved;
        }
    }
}

namespace Flows.Kernels.Cases;

public static partial class KernelCases
{
    /// <summary>
    /// Rows for the issue-14 CPU convolution paths (tiny, so the simulator runs them in seconds): 16 and 17 output
    /// channels (whole and ragged 8-row AVX-512 panels), a 7×7 image whose 16-pixel windows cross three row ends,
    /// 2 input channels with a 3×3 window (backward-data through the column gradient), and a 24×24 image whose
    /// 3×3 weight gradient takes the unpacked dot-product kernel on AVX-512.
    /// </summary>
    private static void AddCpuConvPathRows(List<KernelCase> cases, bool quick)
    {
        if (!quick) return;
        foreach (var g in new[] { ConvGeometry.Same(2, 2, 7, 7, 16, 3), ConvGeometry.Same(2, 3, 5, 6, 17, 1), ConvGeometry.Same(2, 2, 24, 24, 5, 3) })
            AddConv(cases, g, version: 3);
    }
}

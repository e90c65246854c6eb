using System.Globalization;
using Flows.Kernels.Ilgpu;
using ILGPU.Runtime.Cuda;

namespace Flows.Bench.Gpu;

/// <summary>
/// gpu-check's register and spill report for the GEMM / convolution kernels (v2 and v3): what each kernel's PTX
/// declares (any machine: virtual registers, ILGPU's local memory, integer divisions), and on a CUDA device what the
/// driver's ptxas allocated (physical registers, local bytes per thread, where spills go). docs/PERFORMANCE.md
/// "GPU convolution kernels v3" explains how to read it.
/// </summary>
public static class GpuCheckRegisters
{
    private static bool IsGemm(string kernel) =>
        kernel.StartsWith("GemmKernels.Tiled", StringComparison.Ordinal) || kernel.StartsWith("GemmKernelsV3.Tiled", StringComparison.Ordinal);

    public static IReadOnlyList<string> Report(IlgpuBackend device)
    {
        var lines = new List<string> { "GEMM kernel registers (PTX for SM_90; the driver's allocation where the device is CUDA):" };
        foreach (var r in PtxCompileCheck.CompileAll(device, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, IsGemm))
            lines.Add(r.Error is null ? $"  {r.Kernel,-70} PTX: {r.Resources}" : $"  {r.Kernel,-70} PTX compile failed: {r.Error}");
        var driver = DriverKernelReport.Query(device, IsGemm, out string? unavailable);
        if (unavailable is not null) lines.Add($"  driver: {unavailable}");
        foreach (var r in driver)
            lines.Add(r.Error is null
                ? string.Create(CultureInfo.InvariantCulture,
                    $"  {r.Kernel,-70} driver: {r.Registers} registers/thread, {r.LocalBytes} B local/thread (spills), " +
                    $"{r.SharedBytes} B shared, up to {r.MaxThreadsPerGroup} threads/group")
                : $"  {r.Kernel,-70} driver: {r.Error}");
        return lines;
    }
}

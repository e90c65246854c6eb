using System.Runtime.InteropServices;
using Flows.Kernels.Devices;
using ILGPU.Backends.EntryPoints;
using ILGPU.Runtime.Cuda;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// One kernel as the CUDA driver compiled it (the driver's own ptxas): physical registers per thread, local memory
/// per thread (ptxas spills land there), static shared memory and the largest group it can launch.
/// </summary>
public sealed record DriverKernelResources(string Kernel, int Registers, int LocalBytes, int SharedBytes, int MaxThreadsPerGroup, string? Error);

/// <summary>
/// The register and spill report "where the toolchain allows": on a CUDA device, the driver compiles each
/// kernel's PTX and cuFuncGetAttribute reports what ptxas allocated. Without a GPU there is nothing to ask (ptxas
/// is not installed on the development machine); <see cref="PtxResources"/> is what the PTX alone tells.
/// </summary>
public static class DriverKernelReport
{
    // CUfunction_attribute values (CUDA driver API, cuda.h).
    private const int MaxThreadsPerBlock = 0, SharedSizeBytes = 1, LocalSizeBytes = 3, NumRegs = 4;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int FuncGetAttribute(out int value, int attribute, IntPtr function);

    /// <summary>The kernels whose name passes <paramref name="include"/>; empty with a reason when the backend is not CUDA.</summary>
    public static IReadOnlyList<DriverKernelResources> Query(IlgpuBackend backend, Func<string, bool> include, out string? unavailable)
    {
        var results = new List<DriverKernelResources>();
        if (backend.AcceleratorForReports is not CudaAccelerator cuda)
        {
            unavailable = "not a CUDA device: physical registers and spills need the driver's compiler";
            return results;
        }
        if (CudaDriver.Locate() is not { } path || !NativeLibrary.TryLoad(path, out var library)
            || !NativeLibrary.TryGetExport(library, "cuFuncGetAttribute", out var export))
        {
            unavailable = "cuFuncGetAttribute not found in the CUDA driver library";
            return results;
        }
        var getAttribute = Marshal.GetDelegateForFunctionPointer<FuncGetAttribute>(export);
        unavailable = null;
        foreach (var entry in backend.KernelEntries())
        {
            string name = PtxCompileCheck.NameOf(entry);
            if (!include(name)) continue;
            try
            {
                var description = entry.ExplicitlyGrouped
                    ? EntryPointDescription.FromExplicitlyGroupedKernel(entry.Method)
                    : EntryPointDescription.FromImplicitlyGroupedKernel(entry.Method);
                var compiled = cuda.Backend.Compile(description, default);
                using var kernel = (CudaKernel)cuda.LoadKernel(compiled);
                int Attribute(int which) => getAttribute(out int value, which, kernel.FunctionPtr) == 0 ? value : -1;
                results.Add(new DriverKernelResources(name, Attribute(NumRegs), Attribute(LocalSizeBytes), Attribute(SharedSizeBytes),
                                                      Attribute(MaxThreadsPerBlock), null));
            }
            catch (Exception e)
            {
                results.Add(new DriverKernelResources(name, -1, -1, -1, -1, e.GetBaseException().Message.ReplaceLineEndings(" ")));
            }
        }
        return results;
    }
}

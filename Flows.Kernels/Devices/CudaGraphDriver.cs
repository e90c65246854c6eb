using System.Runtime.InteropServices;

namespace Flows.Kernels.Devices;

/// <summary>
/// <see cref="ICudaGraphApi"/> on the NVIDIA driver. The library name "cuda" is the one ILGPU imports; .NET probes
/// libcuda.so and, where only libcuda.so.1 exists, asks <see cref="CudaDriver"/>'s resolver, which hands back the
/// handle it already loaded for ILGPU: both use one copy of the driver. Used only once a CUDA backend exists, so the
/// library is there.
/// </summary>
internal sealed class CudaGraphDriver : ICudaGraphApi
{
    private const string Library = "cuda";

    public static readonly CudaGraphDriver Instance = new();

    private CudaGraphDriver()
    {
        CudaDriver.Register();
    }

    public string Name => "libcuda";

    public int StreamBeginCapture(IntPtr stream, StreamCaptureMode mode) => cuStreamBeginCapture_v2(stream, (int)mode);

    public int StreamEndCapture(IntPtr stream, out IntPtr graph) => cuStreamEndCapture(stream, out graph);

    public int GraphInstantiate(out IntPtr exec, IntPtr graph) => cuGraphInstantiateWithFlags(out exec, graph, 0);

    public int GraphLaunch(IntPtr exec, IntPtr stream) => cuGraphLaunch(exec, stream);

    public int GraphExecDestroy(IntPtr exec) => cuGraphExecDestroy(exec);

    public int GraphDestroy(IntPtr graph) => cuGraphDestroy(graph);

    public int StreamSynchronize(IntPtr stream) => cuStreamSynchronize(stream);

    public string Describe(int result)
    {
        try
        {
            if (cuGetErrorName(result, out var name) == 0 && name != IntPtr.Zero)
                return $"{Marshal.PtrToStringAnsi(name)} ({result})";
        }
        catch (EntryPointNotFoundException)
        {
        }
        return $"CUresult {result}";
    }

    [DllImport(Library)] private static extern int cuStreamBeginCapture_v2(IntPtr stream, int mode);
    [DllImport(Library)] private static extern int cuStreamEndCapture(IntPtr stream, out IntPtr graph);
    [DllImport(Library)] private static extern int cuGraphInstantiateWithFlags(out IntPtr exec, IntPtr graph, ulong flags);
    [DllImport(Library)] private static extern int cuGraphLaunch(IntPtr exec, IntPtr stream);
    [DllImport(Library)] private static extern int cuGraphExecDestroy(IntPtr exec);
    [DllImport(Library)] private static extern int cuGraphDestroy(IntPtr graph);
    [DllImport(Library)] private static extern int cuStreamSynchronize(IntPtr stream);
    [DllImport(Library)] private static extern int cuGetErrorName(int result, out IntPtr name);
}

using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Flows.Kernels.Devices;

/// <summary>
/// Finds the NVIDIA driver library for ILGPU. ILGPU imports "cuda", which .NET probes as libcuda.so; machines
/// with only the driver (no CUDA toolkit) usually ship just libcuda.so.1, so that probe fails. We hook
/// AssemblyLoadContext.ResolvingUnmanagedDll, which .NET consults only after its own probing failed, and load
/// libcuda.so.1 from the loader path or the usual driver folders. (A DllImportResolver on ILGPU's assembly would
/// also work, but ILGPU installs its own resolver there under WSL and an assembly may only have one.)
/// </summary>
internal static class CudaDriver
{
    /// <summary>Where distributions, containers (nvidia-container-toolkit) and WSL put the driver.</summary>
    public static readonly string[] Folders =
    [
        "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
        "/usr/lib/wsl/lib", "/usr/local/cuda/lib64", "/usr/local/cuda/compat", "/usr/lib/aarch64-linux-gnu",
    ];

    private static readonly object Gate = new();
    private static bool _hooked;
    private static IntPtr _handle;
    private static string? _loadedFrom;

    /// <summary>Installs the resolver (idempotent); must run before ILGPU first touches the driver.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_hooked) return;
            _hooked = true;
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
        }
    }

    /// <summary>Where the driver library was found, or null; the search is done once.</summary>
    public static string? Locate()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return _loadedFrom;
            foreach (var candidate in Candidates())
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    _handle = handle;
                    _loadedFrom = candidate;
                    return candidate;
                }
            }
            return null;
        }
    }

    /// <summary>Short text for error messages: what was searched.</summary>
    public static string SearchDescription =>
        OperatingSystem.IsWindows()
            ? "nvcuda.dll not found on the DLL search path"
            : $"libcuda.so.1 not found on the loader path or in {string.Join(", ", Folders)}";

    private static IEnumerable<string> Candidates()
    {
        if (OperatingSystem.IsWindows())
        {
            yield return "nvcuda.dll";
            yield break;
        }
        yield return "libcuda.so.1";
        yield return "libcuda.so";
        foreach (var folder in Folders)
        {
            yield return Path.Combine(folder, "libcuda.so.1");
            yield return Path.Combine(folder, "libcuda.so");
        }
    }

    private static IntPtr Resolve(Assembly assembly, string libraryName)
    {
        bool isCuda = libraryName is "cuda" or "libcuda" or "libcuda.so" or "nvcuda";
        if (!isCuda) return IntPtr.Zero;
        return Locate() is null ? IntPtr.Zero : _handle;
    }
}

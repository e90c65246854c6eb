using Flows.Kernels.Cpu;
using Flows.Kernels.Ilgpu;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Flows.Kernels.Devices;

/// <summary>
/// Chooses the compute backend for a --device name:
///   auto       the first CUDA device if one is usable, else the managed CPU backend
///   cpu        the managed CPU backend (plain C# with SIMD)
///   cuda       the ILGPU kernels on the first CUDA device, or DeviceUnavailableException saying why not
///   ilgpu-cpu  the ILGPU kernels on ILGPU's CPU accelerator (a slow GPU simulator, for checking kernels)
/// </summary>
public static class ComputeDevices
{
    public static readonly IReadOnlyList<string> Names = ["auto", "cpu", "cuda", "ilgpu-cpu"];

    public static IComputeBackend Create(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        switch (device.Trim().ToLowerInvariant())
        {
            case "auto":
                return (IComputeBackend?)TryCreateCuda(out _) ?? new ManagedCpuBackend();
            case "cpu":
                return new ManagedCpuBackend();
            case "cuda":
                return TryCreateCuda(out var reason)
                       ?? throw new DeviceUnavailableException($"{reason}; use --device cpu or install the NVIDIA driver");
            case "ilgpu-cpu":
                return IlgpuBackend.CreateCpuSimulator();
            default:
                throw new ArgumentException($"unknown device '{device}'; valid devices are: {string.Join(", ", Names)}", nameof(device));
        }
    }

    /// <summary>The CUDA backend on the first device, or null with the reason (one line, no fix) when there is none.</summary>
    public static IlgpuBackend? TryCreateCuda(out string reason)
    {
        var probe = ProbeCuda();
        if (probe.Devices.Count == 0)
        {
            reason = probe.Problem ?? "no CUDA device found";
            return null;
        }
        try
        {
            reason = "";
            return IlgpuBackend.CreateCuda(0);
        }
        catch (Exception e)
        {
            reason = $"CUDA device '{probe.Devices[0]}' could not be opened ({OneLine(e)})";
            return null;
        }
    }

    /// <summary>One line per device kind: what is usable on this machine and why not where it is not.</summary>
    public static IReadOnlyList<string> Describe()
    {
        var lines = new List<string>();
        using (var cpu = new ManagedCpuBackend()) lines.Add($"cpu: {cpu.DeviceDescription}");
        var probe = ProbeCuda();
        if (probe.Devices.Count == 0) lines.Add($"cuda: unavailable ({probe.Problem})");
        for (int i = 0; i < probe.Devices.Count; i++) lines.Add($"cuda:{i}: {probe.Devices[i]} (driver {probe.Library})");
        lines.Add("ilgpu-cpu: ILGPU CPU accelerator, always available (simulates GPU threads; for checking kernels, slow)");
        return lines;
    }

    private sealed record CudaProbe(IReadOnlyList<string> Devices, string? Problem, string? Library);

    private static CudaProbe? _probe;
    private static readonly object Gate = new();

    /// <summary>Looks for the driver and asks ILGPU for CUDA devices, once per process.</summary>
    private static CudaProbe ProbeCuda()
    {
        lock (Gate)
        {
            return _probe ??= Run();
        }

        static CudaProbe Run()
        {
            CudaDriver.Register();
            string? library = CudaDriver.Locate();
            if (library is null) return new CudaProbe([], $"no CUDA device found ({CudaDriver.SearchDescription})", null);
            try
            {
                using var context = Context.Create(builder => builder.Cuda());
                var devices = new List<string>();
                foreach (var d in context.GetCudaDevices())
                    devices.Add($"{d.Name}, {d.Architecture}, {d.MemorySize / (1024.0 * 1024 * 1024):F0} GiB");
                return devices.Count == 0
                    ? new CudaProbe([], $"no CUDA device found (the driver {library} loaded but reports no supported GPU)", library)
                    : new CudaProbe(devices, null, library);
            }
            catch (Exception e)
            {
                return new CudaProbe([], $"no CUDA device found (the driver {library} failed: {OneLine(e)})", library);
            }
        }
    }

    private static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return inner.Message.ReplaceLineEndings(" ").Trim();
    }
}

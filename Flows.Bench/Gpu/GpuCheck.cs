using System.Diagnostics;
using Flows.Kernels;
using Flows.Kernels.Cases;
using Flows.Kernels.Cpu;
using Flows.Kernels.Devices;
using Flows.Kernels.Ilgpu;
using Flows.Training.Cli;

namespace Flows.Bench.Gpu;

/// <summary>
/// gpu-check: runs every IlgpuBackend kernel of the case table (Flows.Kernels/Cases: the paper rows, or the small
/// rows with --quick) against the managed CPU backend and times it, so one short run on a GPU machine answers
/// "is it right, and how fast". Each case is validated on its first run (outputs poisoned
/// with NaN beforehand), then timed: warm-up runs, then the median of N samples, each a batch of launches closed by one
/// Synchronize (a small kernel runs many times per sync, so the sync's latency does not hide its time). A case that
/// throws (a CUDA error is sticky: it would fail every later launch of the context) is recorded as failed and the
/// device is created afresh, so one bad case cannot poison the rest.
/// </summary>
public static class GpuCheck
{
    public sealed record Options(string Device, bool Quick, string? OutDirectory, bool Registers);

    public static CommandSpec Spec { get; } = new("gpu-check",
        "Validate every ILGPU kernel against the managed CPU backend and time it.",
        [
            new("device", "NAME", "cuda or ilgpu-cpu (ILGPU's CPU accelerator)", "cuda"),
            new("quick", null, "small shapes, fewer repeats"),
            new("out", "DIR", "also write the report files into this folder"),
            new("registers", null, "also report the GEMM kernels' registers and spills (always on without --quick)"),
        ],
        Run);

    public static int Run(ParsedArgs args)
    {
        var options = Parse(args); // a bad --device is an ArgumentException: one line and exit code 2 (Program.cs)

        IlgpuBackend device;
        try
        {
            device = CreateDevice(options);
        }
        catch (DeviceUnavailableException e)
        {
            Console.Error.WriteLine($"gpu-check: {e.Message}");
            return 2;
        }

        try
        {
            return Check(options, ref device);
        }
        finally
        {
            device.Dispose();
        }
    }

    private static IlgpuBackend CreateDevice(Options options) => options.Device switch
    {
        "cuda" => ComputeDevices.TryCreateCuda(out var reason)
                  ?? throw new DeviceUnavailableException($"{reason}; use --device ilgpu-cpu or install the NVIDIA driver"),
        _ => IlgpuBackend.CreateCpuSimulator(),
    };

    private static int Check(Options options, ref IlgpuBackend device)
    {
        using (var reference = new ManagedCpuBackend())
        {
            var report = new GpuCheckReport(device.Name, device.DeviceDescription, reference.DeviceDescription, options.Quick);
            Console.WriteLine($"gpu-check on {device.Name}: {device.DeviceDescription}");
            Console.WriteLine($"reference: cpu: {reference.DeviceDescription}; {(options.Quick ? "quick shapes" : "full shapes")}");
            Console.WriteLine(GpuCheckReport.HeaderLine);
            int warmup = options.Quick ? 1 : 3, repeats = options.Quick ? 2 : 20;
            foreach (var kernelCase in KernelCases.Of(options.Quick ? CaseSize.Small : CaseSize.Paper))
            {
                var row = RunCase(kernelCase, device, reference, warmup, repeats);
                report.Rows.Add(row);
                Console.WriteLine(GpuCheckReport.Format(row));
                if (!row.Pass && row.Milliseconds == 0) device = Reset(device, options); // it threw
            }
            var versions = GpuCheckVersions.Compare(report.Rows);
            if (versions.Count > 0)
            {
                Console.WriteLine();
                Console.WriteLine("kernel versions side by side (median ms; 'v3 vs v2' = v2 ms / v3 ms, above 1 where v3 is faster):");
                Console.WriteLine(GpuCheckVersions.HeaderLine);
                foreach (var comparison in versions) Console.WriteLine(GpuCheckVersions.Format(comparison));
            }
            var registers = options.Registers ? GpuCheckRegisters.Report(device) : [];
            foreach (var line in registers) Console.WriteLine(line);
            Console.WriteLine(report.Summary());
            if (options.OutDirectory is { } outDirectory)
            {
                report.Write(outDirectory);
                if (registers.Count > 0) File.WriteAllLines(Path.Combine(outDirectory, "gpu-check-registers.txt"), registers);
            }
            return report.Rows.All(r => r.Pass) ? 0 : 1;
        }
    }

    /// <summary>A fresh device after a case threw: the old context may hold a sticky error.</summary>
    private static IlgpuBackend Reset(IlgpuBackend device, Options options)
    {
        try
        {
            device.Dispose();
        }
        catch (Exception e)
        {
            Console.WriteLine($"  (disposing the device after the failed case: {e.GetBaseException().Message.ReplaceLineEndings(" ")})");
        }
        Console.WriteLine("  (device created afresh after the failed case)");
        return CreateDevice(options);
    }

    /// <summary>Launches per timed sample: enough for about a millisecond of work, at most 256.</summary>
    private static int LaunchesPerSync(double singleMs) => singleMs <= 0 ? 256 : (int)Math.Clamp(Math.Ceiling(1.0 / singleMs), 1, 256);

    private static Options Parse(ParsedArgs args)
    {
        string deviceName = (args.String("device") ?? "cuda").ToLowerInvariant();
        if (deviceName is not ("cuda" or "ilgpu-cpu"))
            throw new ArgumentException($"--device must be cuda or ilgpu-cpu, got '{deviceName}'");
        return new Options(deviceName, args.Flag("quick"), args.String("out"), args.Flag("registers") || !args.Flag("quick"));
    }

    private static GpuCheckRow RunCase(KernelCase kernelCase, IlgpuBackend device, IComputeBackend reference, int warmup, int repeats)
    {
        device.GemmVersion = kernelCase.Version == 0 ? 2 : kernelCase.Version;
        using var onDevice = new CaseBuffers(device);
        using var onReference = new CaseBuffers(reference);
        try
        {
            kernelCase.Setup(onDevice);
            kernelCase.Setup(onReference);
            kernelCase.Run(device, onDevice);
            kernelCase.Run(reference, onReference);
            device.Synchronize();

            var (error, worst) = CaseComparison.Between(kernelCase, onDevice, onReference);

            var single = Stopwatch.StartNew();
            kernelCase.Run(device, onDevice);
            device.Synchronize();
            int launches = LaunchesPerSync(single.Elapsed.TotalMilliseconds);
            var times = new List<double>();
            for (int i = 0; i < warmup + repeats; i++)
            {
                var clock = Stopwatch.StartNew();
                for (int l = 0; l < launches; l++) kernelCase.Run(device, onDevice);
                device.Synchronize();
                if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds / launches);
            }
            times.Sort();
            double ms = times[times.Count / 2];
            bool pass = error <= kernelCase.Tolerance;
            return new GpuCheckRow(kernelCase.Kernel, kernelCase.Version, kernelCase.Shape, error, kernelCase.Tolerance, pass, ms,
                                   kernelCase.Bytes / (ms * 1e6), kernelCase.Flops / (ms * 1e6), pass ? null : $"worst output: {worst}");
        }
        catch (Exception e)
        {
            return new GpuCheckRow(kernelCase.Kernel, kernelCase.Version, kernelCase.Shape, double.PositiveInfinity, kernelCase.Tolerance,
                                   false, 0, 0, 0, e.GetBaseException().Message.ReplaceLineEndings(" "));
        }
        finally
        {
            device.GemmVersion = 2;
        }
    }
}

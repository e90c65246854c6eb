using Flows.Core.Evaluation;
using Flows.Core.Data;
using Flows.Kernels;
using Flows.Kernels.Devices;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>Options shared by the commands that touch data or a device.</summary>
public static class CommonOptions
{
    public static readonly OptionSpec Device = new("device", "NAME", "compute device: auto, cpu, cuda or ilgpu-cpu", "auto");
    public static readonly OptionSpec DataDir = new("data-dir", "DIR", "data folder (else FLOWS_DATA, else a per-user cache)");
    public static readonly OptionSpec Offline = new("offline", null, "never download; say which file to put where instead");
    public static readonly OptionSpec Seed = new("seed", "N", "fixes data order, initialisation and dequantization noise", "0");

    public static IReadOnlyList<OptionSpec> DataOptions => [DataDir, Offline];

    /// <summary>--bn running|batch (docs/MODELS.md §9): the statistics BatchNorm uses while ood and attribute score.</summary>
    public static readonly OptionSpec BatchNorm = new("bn", "MODE",
        "BatchNorm statistics while scoring: running (eval mode) or batch (each evaluation batch's own, as net.train(); scores then depend on --batch)", "running");

    /// <summary>The value of --bn.</summary>
    public static BatchNormStatistics BatchNormMode(ParsedArgs args) => (args.String("bn") ?? "running").ToLowerInvariant() switch
    {
        "running" => BatchNormStatistics.Running,
        "batch" => BatchNormStatistics.Batch,
        var v => throw new UsageException($"--bn must be running or batch, got '{v}'"),
    };

    public static IComputeBackend CreateBackend(ParsedArgs args)
    {
        var backend = ComputeDevices.Create(args.String("device") ?? "auto");
        Console.Error.WriteLine($"device: {backend.Name} ({backend.DeviceDescription})");
        return backend;
    }

    public static DataOptions Data(ParsedArgs args)
    {
        ProgressBar? bar = null;
        return new DataOptions
        {
            DataDir = args.String("data-dir"),
            Offline = args.Flag("offline"),
            Log = message => Console.Error.WriteLine(message),
            Progress = new Progress<(long done, long? total)>(p =>
            {
                bar ??= new ProgressBar("download", p.total ?? Math.Max(p.done, 1), "bytes");
                bar.Report(p.done);
            }),
        };
    }

    /// <summary>
    /// Images or vectors by spec (see <see cref="FlowDataLoader"/>); <paramref name="trainedOn"/> is the model's
    /// training set when scoring (UCI OOD sets are standardised with its statistics).
    /// </summary>
    public static FlowData Load(string spec, DatasetSplit split, DataOptions options, string? trainedOn = null)
    {
        var data = FlowDataLoader.Load(spec, split, options, trainedOn);
        Console.Error.WriteLine($"data: {data} ({split.ToString().ToLowerInvariant()})");
        return data;
    }

    /// <summary>An image set by spec, for the commands that only work on images (inspect, experiments, sample).</summary>
    public static ImageDataset LoadImages(string spec, DatasetSplit split, DataOptions options)
    {
        var data = DatasetLoader.Load(spec, split, options);
        Console.Error.WriteLine($"data: {data} ({split.ToString().ToLowerInvariant()})");
        return data;
    }
}

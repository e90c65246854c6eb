using Flows.Core.Data;
using Flows.Core.Training;

namespace Flows.Training.Experiments;

/// <summary>Where the comparison reads and writes, and what it evaluates on.</summary>
public sealed record ExperimentOptions
{
    /// <summary>The runs' folder: one sub-folder per run with checkpoint, metrics JSON and figures.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The REPRODUCTION markdown to write.</summary>
    public required string ReportPath { get; init; }

    /// <summary>Where the report's figures are copied (referenced relative to the report).</summary>
    public required string FiguresDirectory { get; init; }

    /// <summary>A second copy of the report and its figures (--write-docs, e.g. docs/REPRODUCTION.md); null: none.</summary>
    public ReportTarget? DocsCopy { get; init; }

    public DataOptions Data { get; init; } = new();

    public string InDistribution { get; init; } = "fashionmnist";

    public IReadOnlyList<string> OodSets { get; init; } = ["mnist", "notmnist"];

    /// <summary>Images scored per set for AUROC and attribution (0 = all).</summary>
    public int EvalLimit { get; init; }

    public int EvalBatchSize { get; init; } = 100;

    /// <summary>Figure 1(a)'s zoomed inset on each pixel run's likelihood histogram (--inset), or null for none.</summary>
    public Flows.Core.Evaluation.HistogramInsetOptions? HistogramInset { get; init; }

    /// <summary>(set, index) of the images the coupling and latent figures show (docs/MODELS.md §7.2: FashionMNIST 4, MNIST 10).</summary>
    public IReadOnlyList<(string Set, int Index)> FigureImages { get; init; } = [("fashionmnist", 4), ("mnist", 10)];

    /// <summary>Text that describes how the comparison was started, for the report (command line, budget).</summary>
    public string Invocation { get; init; } = "";

    public ExperimentScale Scale { get; init; } = ExperimentScale.Cpu;

    /// <summary>Notes the report prints under "what ran" (e.g. a shrunk budget).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public Action<string> Log { get; init; } = _ => { };

    public Func<ExperimentRun, ITrainingObserver> Observer { get; init; } = _ => SilentObserver.Instance;
}

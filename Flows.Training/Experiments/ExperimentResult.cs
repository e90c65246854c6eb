using Flows.Core.Evaluation;
using Flows.Core.Inspection;

namespace Flows.Training.Experiments;

/// <summary>What one run of the comparison produced: its training, its OOD report, attribution and figures.</summary>
/// <param name="Figures">Figure kind ("samples", "couplings fashionmnist:4", "latents", "coadaptation", "attribution", "histogram") → PNG path.</param>
/// <param name="CoAdaptation">Per data set, the co-adaptation errors (horizontal-mask runs only).</param>
public sealed record ExperimentResult(
    ExperimentRun Run,
    long Parameters,
    int Steps,
    double TrainSeconds,
    double TrainBitsPerDim,
    OodReport Ood,
    AttributionReport Attribution,
    IReadOnlyDictionary<string, string> Figures,
    IReadOnlyDictionary<string, IReadOnlyList<CoAdaptation.LayerError>>? CoAdaptation,
    string Directory);

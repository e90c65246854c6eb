using Flows.Core.Training;

namespace Flows.Training.Experiments;

/// <summary>One entry of the comparison: a named training configuration and what it stands for in the paper.</summary>
/// <param name="Id">The run's folder name and table key ("realnvp", "resnetae-l10").</param>
/// <param name="Group">baseline, mask, bottleneck or coadaptation.</param>
/// <param name="Description">What the paper uses it for.</param>
public sealed record ExperimentRun(string Id, string Group, string Description, TrainingConfig Config);

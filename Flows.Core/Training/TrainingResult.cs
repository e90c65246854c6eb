namespace Flows.Core.Training;

/// <summary>How a run ended: completed, or interrupted (Ctrl+C) with a checkpoint to resume from.</summary>
public sealed record TrainingResult(
    bool Completed, TrainingState State, string CheckpointPath, double? LastTestBitsPerDim,
    double LastTrainBitsPerDim, double Seconds, string? SamplesPath);

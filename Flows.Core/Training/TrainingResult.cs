namespace Flows.Core.Training;

/// <summary>
/// How a run ended: completed, or interrupted (Ctrl+C) with a checkpoint to resume from. Losses are in
/// <see cref="LossUnit"/>: bits/dim for image models, nats per sample for vector models.
/// </summary>
public sealed record TrainingResult(
    bool Completed, TrainingState State, string CheckpointPath, double? LastTestLoss,
    double LastTrainLoss, double Seconds, string? SamplesPath)
{
    public string LossUnit { get; init; } = "bits/dim";
}

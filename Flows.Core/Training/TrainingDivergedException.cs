namespace Flows.Core.Training;

/// <summary>
/// NaN or Inf appeared in training. The message gives the step, where it first appeared and the last good
/// checkpoint, so the user can resume from it with a lower learning rate (docs/MODELS.md §9: users of the
/// official code lost runs to exactly this).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(int step, string where, string? lastCheckpoint, Exception? inner = null)
        : base($"training diverged at step {step}: {where}. " +
               (lastCheckpoint is null
                   ? "No checkpoint was written yet; restart with a lower --lr or a learning-rate warmup (--warmup N)."
                   : $"The last good checkpoint is {lastCheckpoint}; resume from it with --resume and a lower --lr (or restart with --warmup N)."), inner)
    {
        Step = step;
        LastCheckpoint = lastCheckpoint;
    }

    public int Step { get; }
    public string? LastCheckpoint { get; }
}

namespace Flows.Core.Evaluation;

/// <summary>
/// Which statistics the BatchNorm layers of a model use while it is scored (docs/MODELS.md §9; the
/// <c>--bn running|batch</c> option of <c>ood</c> and <c>attribute</c>).
/// </summary>
public enum BatchNormStatistics
{
    /// <summary>The running averages gathered in training (plain eval mode; each sample's score is its own).</summary>
    Running = 0,

    /// <summary>
    /// The statistics of each evaluation batch (<see cref="BatchNormMode"/>), as the official code's
    /// net.train() evaluation: a sample's score then depends on the other samples of its batch and on the batch size.
    /// </summary>
    Batch = 1,
}

namespace Flows.Training.Experiments;

/// <summary>
/// Sizes a comparison's common step count from a wall-clock budget: every run trains the same number of steps,
/// so S = (budget − evaluation − overhead) / Σ seconds per step. Evaluation is estimated from the step time:
/// a forward pass costs about a third of a training step, per image.
/// </summary>
public static class StepBudget
{
    /// <summary>Images the figures of one run push through the model (40 latent draws and a batch of 32 per image, couplings).</summary>
    public const int FigureImages = 2 * (40 + 32 + 2);

    /// <param name="stepSeconds">Measured seconds per training step of each run.</param>
    /// <param name="batchSize">Training batch size the step times were measured at.</param>
    /// <param name="evalImages">Images each run scores (test evaluation, OOD scoring, attribution, figures).</param>
    /// <param name="budgetSeconds">Wall-clock seconds for everything that is still to come.</param>
    public static int Steps(IReadOnlyList<double> stepSeconds, int batchSize, IReadOnlyList<int> evalImages, double budgetSeconds)
    {
        if (stepSeconds.Count == 0) throw new ArgumentException("no runs to size a budget for", nameof(stepSeconds));
        if (evalImages.Count != stepSeconds.Count) throw new ArgumentException($"{stepSeconds.Count} step times but {evalImages.Count} evaluation sizes");
        double training = stepSeconds.Sum();
        double evaluation = stepSeconds.Zip(evalImages, (s, n) => s / (3.0 * batchSize) * n).Sum();
        return (int)Math.Floor((budgetSeconds - evaluation) / training);
    }

    /// <summary>Images a run scores: the trainer's test pass, then OOD scoring and attribution of every set, figures.</summary>
    public static int EvalImages(int evalLimit, int oodSets, bool coAdaptation) =>
        evalLimit * (1 + 2 * (1 + oodSets) + (coAdaptation ? 2 * (1 + oodSets) : 0)) + FigureImages;
}

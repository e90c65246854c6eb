namespace Flows.Core;

/// <summary>
/// Makes every BatchNorm of a model use batch statistics while it is open (docs/MODELS.md §2 E12: the notebook's
/// net.train() latents), without changing the model: the running statistics that train-mode batch norm
/// updates are restored when it closes.
/// </summary>
public sealed class BatchNormMode : IDisposable
{
    private readonly List<(BatchNorm Norm, bool? Forced, float[] Mean, float[] Var)> _saved = new();

    private BatchNormMode(Module model, bool batchStatistics)
    {
        foreach (var norm in ModuleTree.Descendants(model).OfType<BatchNorm>())
        {
            _saved.Add((norm, norm.ForceBatchStatistics, norm.RunningMean.ToArray(), norm.RunningVar.ToArray()));
            norm.ForceBatchStatistics = batchStatistics;
        }
    }

    /// <summary>Every BatchNorm uses the statistics of the batch it sees.</summary>
    public static BatchNormMode BatchStatistics(Module model) => new(model, true);

    /// <summary>How many BatchNorm layers the model has (0: the model has no train/eval difference, e.g. Glow).</summary>
    public int Count => _saved.Count;

    public void Dispose()
    {
        foreach (var (norm, forced, mean, variance) in _saved)
        {
            norm.ForceBatchStatistics = forced;
            norm.RunningMean.CopyFrom(mean);
            norm.RunningVar.CopyFrom(variance);
        }
        _saved.Clear();
    }
}

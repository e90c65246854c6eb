using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Training;

/// <summary>
/// Recomputes every BatchNorm's running statistics after training (`train --recalibrate-bn N`; docs/MODELS.md §9,
/// flows_ood issue #5: the eval-mode likelihoods depend on running statistics that lag the weights). The running
/// mean and variance are reset and then set to the plain average of N training batches' statistics (the batch
/// mean and the unbiased batch variance), as PyTorch's momentum=None cumulative average does: batch k enters with
/// momentum 1/(k + 1). Train-mode batch norm normalises with each batch's own statistics, so no layer's input
/// depends on the running values being rebuilt and one pass per batch suffices. Weights are not touched.
/// </summary>
public static class BatchNormRecalibration
{
    /// <summary>The seeded batches a recalibration of N batches uses: the first N of a fixed shuffle of the data.</summary>
    public static IReadOnlyList<int[]> Batches(int count, int batches, int batchSize, int seed)
    {
        if (batches < 1) throw new ArgumentOutOfRangeException(nameof(batches), $"recalibration needs at least one batch, got {batches}");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        // An epoch number no training run reaches, so the order is its own yet fixed by the seed.
        var order = BatchOrder.Permutation(count, seed, int.MaxValue);
        int available = BatchOrder.BatchesPerEpoch(count, batchSize);
        return Enumerable.Range(0, Math.Min(batches, available)).Select(b => BatchOrder.Batch(order, b, batchSize).ToArray()).ToList();
    }

    /// <summary>Rebuilds the running statistics from <paramref name="batches"/> of <paramref name="data"/>; returns the BatchNorm layers updated.</summary>
    public static int Recalibrate(FlowModel model, FlowData data, IReadOnlyList<int[]> batches)
    {
        var norms = ModuleTree.Descendants(model).OfType<BatchNorm>().ToList();
        if (norms.Count == 0 || batches.Count == 0) return norms.Count;
        var momenta = norms.Select(n => n.Momentum).ToList();
        var forced = norms.Select(n => n.ForceBatchStatistics).ToList();
        bool wasTraining = model.Training;
        try
        {
            foreach (var norm in norms)
            {
                norm.RunningMean.CopyFrom(new float[norm.Channels]);
                norm.RunningVar.CopyFrom(Enumerable.Repeat(1f, norm.Channels).ToArray());
                norm.ForceBatchStatistics = null;
            }
            model.Train();
            using var _ = Autograd.NoGrad();
            for (int k = 0; k < batches.Count; k++)
            {
                foreach (var norm in norms) norm.Momentum = 1f / (k + 1);
                using var scope = new TensorScope();
                model.Forward(data.Batch(model.Backend, batches[k]));
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++)
            {
                norms[i].Momentum = momenta[i];
                norms[i].ForceBatchStatistics = forced[i];
            }
            model.Train(wasTraining);
        }
        return norms.Count;
    }
}

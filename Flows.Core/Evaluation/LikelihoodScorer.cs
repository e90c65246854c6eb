using Flows.Kernels;
using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Evaluation;

/// <summary>
/// Per-image log-likelihood (nats) of a data set under a flow, in evaluation mode, without gradients, in
/// batches (docs/MODELS.md §6: one dequantization draw per image). The noise is drawn from a fixed seed so two
/// runs give the same scores; the model's own noise stream is restored afterwards.
/// </summary>
public static class LikelihoodScorer
{
    public static double[] Score(FlowModel model, FlowData data, int batchSize, ulong noiseSeed,
                                 int limit = 0, Action<int>? progress = null)
    {
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        var expected = model.DataShape;
        if (!data.SampleShape.AsSpan().SequenceEqual(expected) || data.IsImages != model.DiscreteData)
            throw new ArgumentException($"{data.Name} has {(data.IsImages ? "images" : "vectors")} of {data.ShapeText}, the model '{model.Name}' takes {(model.DiscreteData ? "images" : "vectors")} of {string.Join("x", expected)}");

        ModelFootprint.RequireEvaluationFits(model.Config, batchSize, count, ModelFootprint.AvailableBytes);
        var scores = new double[count];
        bool wasTraining = model.Training;
        var noise = model.Noise;
        var saved = noise is null ? default : (noise.Seed, noise.Offset, noise.Deterministic);
        model.Eval();
        if (noise is not null) { noise.Seed = noiseSeed; noise.Offset = 0; noise.Deterministic = false; }
        try
        {
            using var _ = Autograd.NoGrad();
            using var flag = Tensor.Zeros(model.Backend, 1);
            for (int start = 0; start < count; start += batchSize)
            {
                int n = Math.Min(batchSize, count - start);
                using var scope = new TensorScope();
                var x = data.Range(model.Backend, start, n);
                var ll = Checked(model, x, flag.Buffer);
                for (int i = 0; i < n; i++) scores[start + i] = ll[i];
                progress?.Invoke(start + n);
            }
        }
        finally
        {
            model.Train(wasTraining);
            if (noise is not null) (noise.Seed, noise.Offset, noise.Deterministic) = saved;
        }
        return scores;
    }

    /// <summary>
    /// One batch's log-likelihoods with one host read (docs/PERFORMANCE.md, "Launches and host synchronisations per
    /// step"): the per-layer log-det checks only mark a device flag, which a non-finite log-det makes visible in the
    /// result anyway. When a value is not finite, the batch runs again (same noise) with the checks at once, so the
    /// error names the layer as before; if no layer objects, the values stand.
    /// </summary>
    private static float[] Checked(FlowModel model, Tensor x, DeviceBuffer flag)
    {
        var noise = model.Noise;
        ulong offset = noise?.Offset ?? 0;
        float[] ll;
        using (LogDets.DeferChecks(flag)) ll = model.LogLikelihood(x).ToArray();
        if (Array.TrueForAll(ll, float.IsFinite)) return ll;
        ulong after = noise?.Offset ?? 0;
        if (noise is not null) noise.Offset = offset;
        model.LogLikelihood(x);
        if (noise is not null) noise.Offset = after;
        return ll;
    }

    /// <summary>Mean bits/dim of per-image log-likelihoods.</summary>
    public static double MeanBitsPerDim(IReadOnlyList<double> scores, int dimension) => BitsPerDim.Mean(scores, dimension);
}

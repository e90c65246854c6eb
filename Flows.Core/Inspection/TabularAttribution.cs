using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// <see cref="LikelihoodAttribution"/> for the tabular RealNVP (docs/MODELS.md §4.10), through the same walk over the
/// body: a vector's log-likelihood is the sum of one log-determinant per coupling and the prior log p(z). There
/// is no dequantization and no −D·ln 256 (continuous data), so the terms add up to
/// <see cref="FlowModel.LogLikelihood"/> exactly.
/// </summary>
public static class TabularAttribution
{
    public static IReadOnlyList<AttributionTerm> Terms(TabularFlow model) => LikelihoodAttribution.Terms(model);

    /// <summary>result[i][k] = term k of vector i of x ([N, D]) in nats, in the model's current mode.</summary>
    public static double[][] Compute(TabularFlow model, Tensor x) => LikelihoodAttribution.Compute(model, x);

    /// <summary>The terms of the first <paramref name="limit"/> vectors of a data set (0 = all), in eval mode.</summary>
    public static AttributedSet Score(TabularFlow model, FlowData data, int limit, int batchSize, ulong noiseSeed)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        var rows = new List<double[]>(count);
        using (EvalPass.Begin(model, noiseSeed))
        {
            using var _ = Autograd.NoGrad();
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = new TensorScope();
                rows.AddRange(Compute(model, data.Range(model.Backend, start, Math.Min(batchSize, count - start))));
            }
        }
        return new AttributedSet(data.Name, Terms(model), rows.ToArray());
    }
}

using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;

namespace Flows.Core.Inspection;

/// <summary>
/// Splits each sample's log-likelihood into the terms it is a sum of (docs/MODELS.md §4.3):
/// ll = Σ_layers log|det J_layer| + log p(z) (− D·ln 256 for images), one term per flow layer of the model's body
/// (the dequantize-logit, every coupling, and for Glow every ActNorm and 1×1 conv), the prior log-density (one
/// term per latent piece of a multi-scale flow under N(0, I): the factored-out pieces, then the final x) and
/// the constant. The layer terms come from one walk over the model's own body (<see cref="FlowWalk"/>), so image
/// and tabular models share it. The terms add up to <see cref="FlowModel.LogLikelihood"/> for the same
/// dequantization draw. Not in the paper's code: it shows which layers give an OOD set its higher likelihood.
/// </summary>
public static class LikelihoodAttribution
{
    /// <summary>The terms of a model, in the column order of <see cref="Compute"/>.</summary>
    public static IReadOnlyList<AttributionTerm> Terms(FlowModel model)
    {
        var terms = new List<AttributionTerm>();
        int coupling = 0, actnorm = 0, invconv = 0;
        foreach (var layer in FlowWalk.Leaves(model.Body))
        {
            switch (layer)
            {
                case DequantizeLogit:
                    terms.Add(new AttributionTerm(layer.Name, "dequantize+logit", "dequantize"));
                    break;
                case AffineCoupling c:
                    coupling++;
                    // Every tabular mask is of kind "tabular": its reverse flag is what tells two of them apart.
                    string mask = c.Mask is TabularMask ? c.Mask.ToString() : c.Mask.Kind;
                    terms.Add(new AttributionTerm(layer.Name, F($"coupling {coupling} ({mask})"), "coupling"));
                    break;
                case ActNorm:
                    actnorm++;
                    terms.Add(new AttributionTerm(layer.Name, F($"actnorm {actnorm}"), "actnorm"));
                    break;
                case InvertibleConv1x1:
                    invconv++;
                    terms.Add(new AttributionTerm(layer.Name, F($"1x1 conv {invconv}"), "invconv"));
                    break;
                case Squeeze:
                    break; // volume-preserving: log|det J| = 0
                default:
                    terms.Add(new AttributionTerm(layer.Name, layer.Describe(), "layer"));
                    break;
            }
        }
        if (PriorPieces(model) is { } pieces)
            for (int p = 0; p < pieces.Count; p++)
                terms.Add(new AttributionTerm(F($"prior.{p}"), F($"prior z{p + 1} ({string.Join("x", pieces[p])})"), "prior"));
        else
            terms.Add(new AttributionTerm("prior.0", F($"prior z ({model.Dimension})"), "prior"));
        if (model.DiscreteData) terms.Add(new AttributionTerm("discretization", "-D ln 256", "constant"));
        return terms;
    }

    /// <summary>
    /// The terms for each sample of x (images [N, C, H, W] in [0, 1], or vectors [N, D]): result[i][k] is term k
    /// of sample i in nats. Runs in whatever mode the model is in and draws dequantization noise from its stream;
    /// wrap it in an <see cref="EvalPass"/> for the paper's eval-mode scores.
    /// </summary>
    public static double[][] Compute(FlowModel model, Tensor x)
    {
        using var scope = new TensorScope();
        int n = x.Shape[0];
        var columns = new List<double[]>();
        var (z, _) = FlowWalk.Forward(model.Body, x, (layer, output) =>
        {
            if (layer is not Squeeze) columns.Add(output.LogDet.ToArray().Select(v => (double)v).ToArray());
        });
        if (PriorPieces(model) is not null)
        {
            foreach (var piece in ((MultiScaleFlow)model).SplitLatent(z))
            {
                int count = piece.Length / n;
                var squares = Ops.SumPerSample(Ops.Square(piece)).ToArray();
                double constant = StandardNormal.PieceLogNormalizer(count);
                // Rounded to float like the layer terms, as the attribution has always reported them.
                columns.Add(squares.Select(v => (double)(float)(-0.5 * v + constant)).ToArray());
            }
        }
        else
        {
            var unnormalized = model.Prior.UnnormalizedLogProb(z).ToArray();
            columns.Add(unnormalized.Select(v => v + model.Prior.LogNormalizer).ToArray());
        }
        if (model.DiscreteData)
            columns.Add(Enumerable.Repeat(-model.Dimension * FlowLikelihood.Log256, n).ToArray());
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new double[columns.Count];
            for (int k = 0; k < columns.Count; k++) result[i][k] = columns[k][i];
        }
        return result;
    }

    /// <summary>
    /// The latent pieces that get a prior term each: those of a multi-scale flow under N(0, I), which factorizes
    /// over them; null when the prior is one term (a vector model, or another base distribution).
    /// </summary>
    private static IReadOnlyList<int[]>? PriorPieces(FlowModel model) =>
        model is MultiScaleFlow flow && model.Prior is StandardNormal ? flow.LatentPieceShapes : null;

    /// <summary>
    /// The terms for the first <paramref name="limit"/> images of a data set (0 = all), in eval mode with the
    /// dequantization noise of <paramref name="noiseSeed"/> (the same draw <see cref="Evaluation.LikelihoodScorer"/> uses).
    /// </summary>
    public static AttributedSet Score(MultiScaleFlow model, ImageDataset data, int limit, int batchSize, ulong noiseSeed)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be positive, got {batchSize}");
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        var rows = new List<double[]>(count);
        using (EvalPass.Begin(model, noiseSeed))
        {
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = new TensorScope();
                var x = ImageBatch.Range(model.Backend, data, start, Math.Min(batchSize, count - start));
                rows.AddRange(Compute(model, x));
            }
        }
        return new AttributedSet(data.Name, Terms(model), rows.ToArray());
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

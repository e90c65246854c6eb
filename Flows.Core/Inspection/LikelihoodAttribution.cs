using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;

namespace Flows.Core.Inspection;

/// <summary>
/// Splits each image's log-likelihood into the terms it is a sum of (paper-spec §4.3):
/// ll = Σ_layers log|det J_layer| + Σ_pieces log N(z_piece; 0, I) − D·ln 256, one term per flow layer
/// (the dequantize-logit, every coupling, and for Glow every ActNorm and 1×1 conv), one per latent piece
/// (the factored-out pieces, then the final x) and the constant. The terms add up to
/// <see cref="FlowModel.LogLikelihood"/> for the same dequantization draw. Not in the paper's code: it shows
/// which layers give an OOD set its higher likelihood.
/// </summary>
public static class LikelihoodAttribution
{
    /// <summary>The terms of a model, in the column order of <see cref="Compute"/>.</summary>
    public static IReadOnlyList<AttributionTerm> Terms(MultiScaleFlow model)
    {
        var terms = new List<AttributionTerm>();
        int coupling = 0, actnorm = 0, invconv = 0;
        foreach (var layer in LeafLayers(model))
        {
            switch (layer)
            {
                case DequantizeLogit:
                    terms.Add(new AttributionTerm(layer.Name, "dequantize+logit", "dequantize"));
                    break;
                case AffineCoupling c:
                    coupling++;
                    terms.Add(new AttributionTerm(layer.Name, F($"coupling {coupling} ({c.Mask.Kind})"), "coupling"));
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
        var pieces = model.LatentPieceShapes;
        for (int p = 0; p < pieces.Count; p++)
            terms.Add(new AttributionTerm(F($"prior.{p}"), F($"prior z{p + 1} ({string.Join("x", pieces[p])})"), "prior"));
        terms.Add(new AttributionTerm("discretization", "-D ln 256", "constant"));
        return terms;
    }

    /// <summary>
    /// The terms for each image of x ([N, C, H, W] in [0, 1]): result[i][k] is term k of image i in nats.
    /// Runs in whatever mode the model is in and draws dequantization noise from its stream; wrap it in an
    /// <see cref="EvalPass"/> for the paper's eval-mode scores.
    /// </summary>
    public static double[][] Compute(MultiScaleFlow model, Tensor x)
    {
        using var scope = new TensorScope();
        int n = x.Shape[0];
        var columns = new List<float[]>();
        var factored = new List<Tensor>();
        var steps = model.Steps;
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (step.IsFactorOut)
            {
                int channels = x.Shape[1];
                factored.Add(Ops.NarrowChannels(x, step.KeepChannels, channels - step.KeepChannels));
                x = Ops.NarrowChannels(x, 0, step.KeepChannels);
                continue;
            }
            foreach (var layer in Leaves(step.Layer!))
            {
                var (y, logdet) = layer.Forward(x);
                if (layer is not Squeeze) columns.Add(logdet.ToArray());
                x = y;
            }
        }
        factored.Add(x);
        foreach (var piece in factored)
        {
            int count = piece.Length / n;
            var sq = Ops.SumPerSample(Ops.Square(piece)).ToArray();
            double constant = -0.5 * count * Math.Log(2 * Math.PI);
            columns.Add(sq.Select(v => (float)(-0.5 * v + constant)).ToArray());
        }
        double discretization = -model.Dimension * FlowLikelihood.Log256;
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new double[columns.Count + 1];
            for (int k = 0; k < columns.Count; k++) result[i][k] = columns[k][i];
            result[i][columns.Count] = discretization;
        }
        return result;
    }

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

    /// <summary>The flow layers that report a log-determinant, in forward order; Glow steps are opened up.</summary>
    private static IEnumerable<FlowLayer> LeafLayers(MultiScaleFlow model) =>
        model.Steps.Where(s => !s.IsFactorOut).SelectMany(s => Leaves(s.Layer!));

    private static IEnumerable<FlowLayer> Leaves(FlowLayer layer) =>
        layer is FlowSequence sequence ? sequence.Layers.SelectMany(Leaves) : [layer];

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

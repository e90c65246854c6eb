namespace Flows.Core.Flows;

/// <summary>One row of a model's description: a layer (or a factor-out) with its shapes and parameter count.</summary>
/// <param name="FactoredOut">For a factor-out, the per-sample shape of the latent piece it sets aside; else null.</param>
/// <param name="KeptChannels">For a factor-out, the channels that go on; else 0.</param>
public sealed record DescribedLayer(string Name, string Kind, int[] Input, int[] Output, long Parameters,
                                    int[]? FactoredOut = null, int KeptChannels = 0);

/// <summary>
/// The layer-by-layer walk that both descriptions (<see cref="FlowDescription"/>, text; <see cref="FlowDescriptionJson"/>,
/// JSON) render: the per-sample input, every layer's shapes and parameters, and the latent pieces in flattening order.
/// </summary>
public sealed record FlowLayout(int[] Input, IReadOnlyList<DescribedLayer> Layers, IReadOnlyList<int[]> LatentPieces)
{
    public static FlowLayout Of(FlowModel model, ImageShape imageShape)
    {
        var expected = model is TabularFlow ? [imageShape.Size] : imageShape.ToArray();
        model.OutputShape(expected); // throws naming the model when the shape does not fit
        var layers = new List<DescribedLayer>();
        switch (model)
        {
            case MultiScaleFlow flow:
                var pieces = flow.LatentPieceShapes;
                for (int i = 0; i < flow.Steps.Count; i++)
                {
                    var input = flow.InputShapeAt(i);
                    var output = i + 1 < flow.Steps.Count ? flow.InputShapeAt(i + 1) : pieces[^1];
                    var step = flow.Steps[i];
                    layers.Add(step.IsFactorOut
                        ? new DescribedLayer($"body.{i}", "factor_out", input, output, 0,
                                             [input[0] - step.KeepChannels, input[1], input[2]], step.KeepChannels)
                        : new DescribedLayer(step.Layer!.Name, step.Layer.Describe(), input, output, step.Layer.ParameterCount()));
                }
                return new FlowLayout(expected, layers, pieces);
            default:
                foreach (var c in model.Couplings())
                    layers.Add(new DescribedLayer(c.Name, c.Describe(), expected, expected, c.ParameterCount()));
                return new FlowLayout(expected, layers, [[model.Dimension]]);
        }
    }
}

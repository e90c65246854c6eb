using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flows.Core.Flows;

/// <summary>
/// What <see cref="FlowDescription"/> prints, as JSON for scripts (`flows describe --json`): the model's
/// configuration, input shape and latent size, one object per layer (name, kind, input and output shapes,
/// parameters, the factored-out latent of a split), the latent pieces and the parameter count.
/// </summary>
public static class FlowDescriptionJson
{
    public static string Format(FlowModel model, ImageShape imageShape)
    {
        var expected = model is TabularFlow ? [imageShape.Size] : imageShape.ToArray();
        model.OutputShape(expected); // throws naming the model when the shape does not fit
        var layers = new JsonArray();
        var pieces = new JsonArray();
        switch (model)
        {
            case MultiScaleFlow flow:
                var latent = flow.LatentPieceShapes;
                for (int i = 0; i < flow.Steps.Count; i++)
                {
                    var input = flow.InputShapeAt(i);
                    var output = i + 1 < flow.Steps.Count ? flow.InputShapeAt(i + 1) : latent[^1];
                    var step = flow.Steps[i];
                    if (step.IsFactorOut)
                        layers.Add(Layer($"body.{i}", "factor_out", input, output, 0,
                                         [input[0] - step.KeepChannels, input[1], input[2]]));
                    else
                        layers.Add(Layer(step.Layer!.Name, step.Layer.Describe(), input, output, step.Layer.ParameterCount(), null));
                }
                foreach (var piece in latent) pieces.Add(Shape(piece));
                break;
            case TabularFlow:
                foreach (var c in model.Couplings())
                    layers.Add(Layer(c.Name, c.Describe(), expected, expected, c.ParameterCount(), null));
                pieces.Add(Shape([model.Dimension]));
                break;
        }
        var config = new JsonObject();
        foreach (var (k, v) in model.Config.ToDictionary()) config[k] = v;
        var root = new JsonObject
        {
            ["model"] = model.Config.Name,
            ["config"] = config,
            ["input"] = Shape(expected),
            ["dimension"] = model.Dimension,
            ["layers"] = layers,
            ["latent_pieces"] = pieces,
            ["parameters"] = model.ParameterCount(),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static JsonObject Layer(string name, string kind, int[] input, int[] output, long parameters, int[]? factoredOut)
    {
        var layer = new JsonObject
        {
            ["name"] = name, ["kind"] = kind, ["input"] = Shape(input), ["output"] = Shape(output), ["parameters"] = parameters,
        };
        if (factoredOut is not null) layer["factored_out"] = Shape(factoredOut);
        return layer;
    }

    private static JsonArray Shape(int[] shape) => new(shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray());
}

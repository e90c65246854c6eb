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
        var layout = FlowLayout.Of(model, imageShape);
        var expected = layout.Input;
        var layers = new JsonArray(layout.Layers.Select(l => (JsonNode?)Layer(l.Name, l.Kind, l.Input, l.Output, l.Parameters, l.FactoredOut)).ToArray());
        var pieces = new JsonArray(layout.LatentPieces.Select(p => (JsonNode?)Shape(p)).ToArray());
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

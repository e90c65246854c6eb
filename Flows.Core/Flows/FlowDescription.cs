using System.Globalization;
using System.Text;

namespace Flows.Core.Flows;

/// <summary>
/// The text the <c>describe</c> command prints: one line per layer with its input and output shapes and its
/// parameter count, the latent layout, and a last line "parameters: N".
/// </summary>
public static class FlowDescription
{
    public static string Format(FlowModel model, ImageShape imageShape)
    {
        var layout = FlowLayout.Of(model, imageShape);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"model {model.Config.Name}: input {Shape(layout.Input)}, D = {model.Dimension}\n");
        foreach (var l in layout.Layers)
            if (l.FactoredOut is { } z) Line(text, l.Name, $"factor out (keep {l.KeptChannels} channels)", l.Input, l.Output, 0, $" + z {Shape(z)}");
            else Line(text, l.Name, l.Kind, l.Input, l.Output, l.Parameters, "");
        if (model is MultiScaleFlow)
            text.Append(CultureInfo.InvariantCulture,
                $"  flatten: z = [{string.Join(", ", layout.LatentPieces.Select(Shape))}] → [{model.Dimension}]\n");
        text.Append(CultureInfo.InvariantCulture, $"parameters: {model.ParameterCount()}\n");
        return text.ToString();
    }

    private static void Line(StringBuilder text, string name, string what, int[] input, int[] output, long parameters, string extra) =>
        text.Append(CultureInfo.InvariantCulture,
            $"  {name,-10} {Shape(input),-14} → {Shape(output) + extra,-30} {parameters,12:N0} params  {what}\n");

    private static string Shape(int[] shape) => "[" + string.Join("×", shape) + "]";
}

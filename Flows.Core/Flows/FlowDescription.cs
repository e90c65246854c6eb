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
        var expected = model is TabularFlow ? [imageShape.Size] : imageShape.ToArray();
        model.OutputShape(expected); // throws naming the model when the shape does not fit
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"model {model.Config.Name}: input {Shape(expected)}, D = {model.Dimension}\n");
        switch (model)
        {
            case MultiScaleFlow flow:
                var pieces = flow.LatentPieceShapes;
                for (int i = 0; i < flow.Steps.Count; i++)
                {
                    var input = flow.InputShapeAt(i);
                    var output = i + 1 < flow.Steps.Count ? flow.InputShapeAt(i + 1) : pieces[^1];
                    var step = flow.Steps[i];
                    if (step.IsFactorOut)
                    {
                        int[] z = [input[0] - step.KeepChannels, input[1], input[2]];
                        Line(text, $"body.{i}", $"factor out (keep {step.KeepChannels} channels)", input, output, 0, $" + z {Shape(z)}");
                    }
                    else
                    {
                        Line(text, step.Layer!.Name, step.Layer.Describe(), input, output, step.Layer.ParameterCount(), "");
                    }
                }
                text.Append(CultureInfo.InvariantCulture,
                    $"  flatten: z = [{string.Join(", ", pieces.Select(Shape))}] → [{model.Dimension}]\n");
                break;
            case TabularFlow:
                foreach (var c in model.Couplings())
                    Line(text, c.Name, c.Describe(), expected, expected, c.ParameterCount(), "");
                break;
        }
        text.Append(CultureInfo.InvariantCulture, $"parameters: {model.ParameterCount()}\n");
        return text.ToString();
    }

    private static void Line(StringBuilder text, string name, string what, int[] input, int[] output, long parameters, string extra) =>
        text.Append(CultureInfo.InvariantCulture,
            $"  {name,-10} {Shape(input),-14} → {Shape(output) + extra,-30} {parameters,12:N0} params  {what}\n");

    private static string Shape(int[] shape) => "[" + string.Join("×", shape) + "]";
}

using Flows.Core.Flows;

namespace Flows.Core.Figures;

/// <summary>Samples x = f⁻¹(z), z ~ N(0, I), drawn in eval mode and saved as a square PNG grid (paper-spec §7.5).</summary>
public static class SampleGrid
{
    public static void Save(FlowModel model, int count, ulong seed, string path, double temperature = 1)
    {
        if (model.DataShape.Length != 3)
            throw new ArgumentException($"{model.Name}: samples can be drawn as images only for image models, not shape [{string.Join(", ", model.DataShape)}]");
        int channels = model.DataShape[0], height = model.DataShape[1], width = model.DataShape[2], size = channels * height * width;
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var scope = new TensorScope();
            var samples = TemperatureSampling.Sample(model, count, temperature, seed).ToArray();
            var grid = new ImageGrid((count + columns - 1) / columns, columns) { Upscale = height < 64 ? 2 : 1, Colormap = Colormap.Gray };
            for (int i = 0; i < count; i++)
                grid.Set(i / columns, i % columns, samples.AsSpan(i * size, size).ToArray(), channels, height, width);
            grid.Save(path);
        }
        finally { model.Train(wasTraining); }
    }
}

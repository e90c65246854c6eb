using Flows.Core.Flows;

namespace Flows.Core.Figures;

/// <summary>Samples x = f⁻¹(z), z ~ N(0, I), drawn in eval mode and saved as a square PNG grid (docs/MODELS.md §7.5).</summary>
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
            var samples = Draw(model, count, seed, temperature);
            var grid = new ImageGrid((count + columns - 1) / columns, columns) { Upscale = height < 64 ? 2 : 1, Colormap = Colormap.Gray };
            for (int i = 0; i < count; i++)
                grid.Set(i / columns, i % columns, samples.AsSpan(i * size, size).ToArray(), channels, height, width);
            grid.Save(path);
        }
        finally { model.Train(wasTraining); }
    }

    /// <summary>Samples drawn <see cref="Chunk"/> at a time, so a large grid never holds every sample's activations at once.</summary>
    public const int Chunk = 64;

    /// <summary>
    /// The same numbers as one TemperatureSampling.Sample(count) call: sample i always takes the normal draws at counter
    /// offset i·D, and in eval mode a sample does not depend on the others in its pass.
    /// </summary>
    public static float[] Draw(FlowModel model, int count, ulong seed, double temperature = 1)
    {
        var samples = new float[count * model.Dimension];
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            using var scope = new TensorScope();
            TemperatureSampling.Sample(model, n, temperature, seed, (ulong)start * (ulong)model.Dimension).ToArray().CopyTo(samples, start * model.Dimension);
        }
        return samples;
    }
}

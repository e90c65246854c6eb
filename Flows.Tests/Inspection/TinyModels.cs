using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Tests.Engine;

namespace Flows.Tests.Inspection;

/// <summary>Tiny flows and random images for the inspection tests: seconds, not minutes, on two cores.</summary>
internal static class TinyModels
{
    public static MultiScaleFlow Create(string name, int size = 8, int seed = 3)
    {
        var image = new ImageShape(1, size, size);
        var config = ModelConfig.Defaults(name, image) with { Mid = 4, Blocks = name == "realnvp-resnetae" ? 2 : 1, Latent = 3 };
        if (name == "glow") config = config with { K = 2, Mid = 4, Layers = 1 };
        var model = (MultiScaleFlow)FlowModels.Create(config, EngineBackend.Cpu, seed);
        // Glow's ActNorm initialises from the first training-mode batch; give it one so eval mode works.
        if (name == "glow")
        {
            using var scope = new TensorScope();
            model.Forward(Images(EngineBackend.Cpu, 4, size, seed: 99));
        }
        return model;
    }

    /// <summary>Pixel-like values in [0, 1]: multiples of 1/255.</summary>
    public static Tensor Images(global::Flows.Kernels.IComputeBackend backend, int count, int size, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(256) / 255f;
        return Tensor.FromArray(backend, data, count, 1, size, size);
    }

    public static ImageDataset Dataset(string name, int count, int size, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * size * size];
        rng.NextBytes(pixels);
        return new ImageDataset(name + "/test", pixels, new int[count], 1, size, size);
    }
}

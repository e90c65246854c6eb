using Flows.Core.Data;

namespace Flows.Tests.Training;

/// <summary>Small deterministic image sets for training tests: smooth blobs (in-distribution) and noise (OOD).</summary>
internal static class SyntheticImages
{
    public static ImageDataset Blobs(string name, int count, int size, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * size * size];
        for (int n = 0; n < count; n++)
        {
            double cx = rng.NextDouble() * size, cy = rng.NextDouble() * size, r = 1.5 + rng.NextDouble() * size / 3;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    double d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                    pixels[(n * size + y) * size + x] = (byte)Math.Clamp(255 * Math.Exp(-d * d / (2 * r * r)), 0, 255);
                }
        }
        return new ImageDataset(name, pixels, new int[count], 1, size, size);
    }

    public static ImageDataset Noise(string name, int count, int size, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * size * size];
        rng.NextBytes(pixels);
        return new ImageDataset(name, pixels, new int[count], 1, size, size);
    }
}

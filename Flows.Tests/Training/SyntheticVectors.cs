using Flows.Core.Data;

namespace Flows.Tests.Training;

/// <summary>Seeded Gaussian vector sets for the vector-path tests: correlated features around a per-set mean.</summary>
public static class SyntheticVectors
{
    /// <summary>
    /// count rows of dim features: x = mean + A·g with g ~ N(0, I) and a fixed mixing A (so features correlate,
    /// which a flow can learn and a diagonal Gaussian cannot), labels i mod 3.
    /// </summary>
    public static VectorDataset Gaussian(string name, int count, int dim, float mean, int seed)
    {
        var rng = new Random(seed);
        var values = new float[count * dim];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            var g = new double[dim];
            for (int d = 0; d < dim; d++) g[d] = Normal(rng);
            for (int d = 0; d < dim; d++)
            {
                double x = g[d] + 0.8 * g[(d + 1) % dim];
                values[i * dim + d] = (float)(mean + x);
            }
            labels[i] = i % 3;
        }
        return new VectorDataset(name, values, labels, dim);
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

namespace Flows.Core;

/// <summary>PyTorch's default initialisations, drawn from a seeded host generator so runs repeat.</summary>
public static class Init
{
    /// <summary>kaiming_uniform(a = √5) as nn.Conv2d and nn.Linear use it: U(−1/√fan_in, 1/√fan_in).</summary>
    public static float[] KaimingUniform(Random rng, int count, int fanIn) => Uniform(rng, count, 1.0 / Math.Sqrt(fanIn));

    public static float[] Uniform(Random rng, int count, double bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        return values;
    }

    public static float[] Normal(Random rng, int count, double std)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return values;
    }

    public static float[] Constant(int count, float value)
    {
        var values = new float[count];
        Array.Fill(values, value);
        return values;
    }
}

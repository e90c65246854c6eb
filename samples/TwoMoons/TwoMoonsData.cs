namespace TwoMoons;

/// <summary>
/// The two-moons set as scikit-learn's make_moons draws it (an upper half circle and a lower one shifted
/// to interlock, with Gaussian noise), then centred and scaled to roughly unit spread so a flow with a
/// standard normal prior starts near the data. Draws are seeded, so every run sees the same points.
/// </summary>
public sealed class TwoMoonsData(int seed, double noise = 0.05)
{
    private readonly Random _rng = new(seed);

    /// <summary>A batch of n points, row-major (n, 2).</summary>
    public float[] Next(int n)
    {
        var points = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            double t = Math.PI * _rng.NextDouble();
            bool upper = _rng.Next(2) == 0;
            double x = upper ? Math.Cos(t) : 1 - Math.Cos(t);
            double y = upper ? Math.Sin(t) : 0.5 - Math.Sin(t);
            x += noise * Gaussian();
            y += noise * Gaussian();
            points[2 * i] = (float)((x - 0.5) / 0.87);
            points[2 * i + 1] = (float)((y - 0.25) / 0.5);
        }
        return points;
    }

    private double Gaussian()
    {
        double u1 = 1.0 - _rng.NextDouble(), u2 = _rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

namespace Flows.Core.Evaluation;

/// <summary>How the Gaussian kernel's bandwidth is chosen from the data.</summary>
public enum KdeBandwidth
{
    /// <summary>
    /// 1.059·A·n^(−1/5), A = min(σ, IQR/1.349): the "scott" rule of statsmodels, which seaborn's <c>distplot</c> (the
    /// notebooks' histograms, docs/MODELS.md §7.1) uses for its KDE line.
    /// </summary>
    Scott,

    /// <summary>0.9·A·n^(−1/5), A = min(σ, IQR/1.349): Silverman's rule of thumb (statsmodels' "silverman").</summary>
    Silverman,
}

/// <summary>
/// A one-dimensional Gaussian kernel density estimate, the line seaborn draws over each histogram set: the mean
/// of N(x; vᵢ, h²) over the values vᵢ, on a grid that reaches <see cref="Cut"/> bandwidths past the data (seaborn's cut = 3).
/// </summary>
public static class KernelDensity
{
    /// <summary>Bandwidths beyond the smallest and largest value that the grid covers (seaborn's default).</summary>
    public const double Cut = 3;

    /// <summary>Grid points of the drawn line (seaborn's default gridsize).</summary>
    public const int GridSize = 100;

    /// <summary>
    /// The bandwidth h of <paramref name="values"/> (σ with n − 1 in the denominator). A set without spread (one
    /// value, or all equal) gets h = 1, so its line is a visible bump rather than a division by zero.
    /// </summary>
    public static double Bandwidth(IReadOnlyList<double> values, KdeBandwidth rule = KdeBandwidth.Scott)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("A density estimate needs at least one value.", nameof(values));
        if (values.Count == 1) return 1;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double mean = sorted.Average();
        double std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / (sorted.Length - 1));
        double iqr = HistogramBins.Percentile(sorted, 75) - HistogramBins.Percentile(sorted, 25);
        double a = iqr > 0 ? Math.Min(std, iqr / 1.349) : std;
        if (!(a > 0)) return 1;
        double factor = rule == KdeBandwidth.Scott ? 1.059 : 0.9;
        return factor * a * Math.Pow(sorted.Length, -0.2);
    }

    /// <summary>The estimate at every grid point: (1/n)·Σᵢ φ((x − vᵢ)/h)/h.</summary>
    public static double[] Evaluate(IReadOnlyList<double> values, IReadOnlyList<double> grid, double bandwidth)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(grid);
        if (values.Count == 0) throw new ArgumentException("A density estimate needs at least one value.", nameof(values));
        if (!(bandwidth > 0) || !double.IsFinite(bandwidth))
            throw new ArgumentOutOfRangeException(nameof(bandwidth), bandwidth, "The kernel bandwidth must be positive and finite.");
        double norm = 1 / (values.Count * bandwidth * Math.Sqrt(2 * Math.PI));
        var density = new double[grid.Count];
        for (int g = 0; g < grid.Count; g++)
        {
            double sum = 0;
            foreach (double v in values)
            {
                double u = (grid[g] - v) / bandwidth;
                sum += Math.Exp(-0.5 * u * u);
            }
            density[g] = sum * norm;
        }
        return density;
    }

    /// <summary><see cref="GridSize"/> equally spaced points from min − Cut·h to max + Cut·h.</summary>
    public static double[] Grid(IReadOnlyList<double> values, double bandwidth, int points = GridSize)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("A density estimate needs at least one value.", nameof(values));
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "A grid needs at least two points.");
        double lo = values.Min() - Cut * bandwidth, hi = values.Max() + Cut * bandwidth;
        var grid = new double[points];
        for (int i = 0; i < points; i++) grid[i] = lo + (hi - lo) * i / (points - 1);
        return grid;
    }

    /// <summary>The line seaborn draws for one set: its grid and the estimate on it.</summary>
    public static (double[] X, double[] Density) Line(IReadOnlyList<double> values, KdeBandwidth rule = KdeBandwidth.Scott)
    {
        double h = Bandwidth(values, rule);
        var grid = Grid(values, h);
        return (grid, Evaluate(values, grid, h));
    }
}

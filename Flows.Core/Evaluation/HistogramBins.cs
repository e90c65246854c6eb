namespace Flows.Core.Evaluation;

/// <summary>
/// Bin edges and density-normalized counts as seaborn's <c>distplot</c> (the paper's histograms) computes
/// them: Freedman–Diaconis bin width h = 2·IQR·n^(−1/3), at most 50 bins, and densities that integrate to
/// one (numpy's <c>density=True</c>). Several sets share one set of edges so their bars line up.
/// </summary>
public static class HistogramBins
{
    public const int DefaultMaxBins = 50;

    /// <summary>seaborn's bin count for one set: ceil(range/h), or √n when the IQR is 0, capped at <paramref name="maxBins"/>.</summary>
    public static int FreedmanDiaconisCount(IReadOnlyList<double> values, int maxBins = DefaultMaxBins)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (maxBins < 1) throw new ArgumentOutOfRangeException(nameof(maxBins), maxBins, "At least one bin is needed.");
        if (values.Count == 0) throw new ArgumentException("A histogram needs at least one value.", nameof(values));
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double range = sorted[^1] - sorted[0];
        double iqr = Percentile(sorted, 75) - Percentile(sorted, 25);
        double h = 2 * iqr / Math.Cbrt(sorted.Length);
        int count = h == 0 || range == 0
            ? (int)Math.Sqrt(sorted.Length)
            : (int)Math.Min(int.MaxValue, Math.Ceiling(range / h));
        return Math.Clamp(count, 1, maxBins);
    }

    /// <summary>
    /// Equal-width edges over the range of all sets together, with the Freedman–Diaconis count of the
    /// pooled values. A set whose values are all equal gets one bin of width 1 centred on the value.
    /// </summary>
    public static double[] SharedEdges(IEnumerable<IReadOnlyList<double>> sets, int maxBins = DefaultMaxBins)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var pooled = sets.SelectMany(s => s).ToArray();
        if (pooled.Length == 0) throw new ArgumentException("A histogram needs at least one value.", nameof(sets));
        if (pooled.Any(v => !double.IsFinite(v))) throw new ArgumentException("Histogram values must be finite.", nameof(sets));
        double min = pooled.Min(), max = pooled.Max();
        if (min == max) return new[] { min - 0.5, min + 0.5 };
        int count = FreedmanDiaconisCount(pooled, maxBins);
        var edges = new double[count + 1];
        for (int i = 0; i <= count; i++) edges[i] = min + (max - min) * i / count;
        edges[count] = max; // exact, so the maximum falls in the last bin
        return edges;
    }

    /// <summary>
    /// Density per bin: count / (n·width). Bins are half-open [a, b) except the last, which is closed,
    /// as in numpy. Values outside the edges are ignored (and not counted in n).
    /// </summary>
    public static double[] Density(IReadOnlyList<double> values, double[] edges)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Length < 2) throw new ArgumentException("At least two edges are needed.", nameof(edges));
        int bins = edges.Length - 1;
        var counts = new long[bins];
        long inside = 0;
        foreach (double v in values)
        {
            if (!(v >= edges[0] && v <= edges[^1])) continue;
            int k = Array.BinarySearch(edges, v);
            if (k < 0) k = ~k - 1;          // index of the last edge below v
            if (k >= bins) k = bins - 1;    // v equals the last edge
            counts[k]++;
            inside++;
        }
        var density = new double[bins];
        if (inside == 0) return density;
        for (int i = 0; i < bins; i++) density[i] = counts[i] / (inside * (edges[i + 1] - edges[i]));
        return density;
    }

    /// <summary>numpy's default percentile: linear interpolation between the closest ranks of a sorted array.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0) throw new ArgumentException("No values.", nameof(sorted));
        double pos = percent / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}

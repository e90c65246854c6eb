using Flows.Core.Figures;

namespace Flows.Core.Evaluation;

/// <summary>Settings of <see cref="LikelihoodHistogram.Save"/>; the defaults draw the paper's Figure 1(a) style.</summary>
public sealed record HistogramOptions
{
    /// <summary>Drop values below this (the notebooks drop ll &lt; −10000 so a few outliers do not squash the plot).</summary>
    public double? DropBelow { get; init; }

    /// <summary>
    /// Drop each set's values below its own p-th percentile (the training scripts use 5: the element at
    /// index int(0.05·n) of the ascending sort is the threshold). Applied after <see cref="DropBelow"/>.
    /// </summary>
    public double? DropBelowPercentile { get; init; }

    public string XLabel { get; init; } = "log-likelihood (nats)";
    public string YLabel { get; init; } = "density";
    public string? Title { get; init; }
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 500;
    public int MaxBins { get; init; } = HistogramBins.DefaultMaxBins;

    /// <summary>Bar opacity, so overlapping sets stay visible.</summary>
    public double Alpha { get; init; } = 0.45;

    /// <summary>
    /// Draw a Gaussian kernel density line over each set in its color, as the notebooks' <c>sns.distplot</c> does
    /// by default (docs/MODELS.md §7.1).
    /// </summary>
    public bool Kde { get; init; } = true;

    /// <summary>The KDE's bandwidth rule; seaborn's default is Scott's.</summary>
    public KdeBandwidth KdeBandwidth { get; init; } = KdeBandwidth.Scott;

    /// <summary>A zoomed inset around the in-distribution mode (Figure 1(a)); none when null.</summary>
    public HistogramInsetOptions? Inset { get; init; }
}

/// <summary>What was drawn for one set: how many values were kept and dropped, and the density per bin.</summary>
public sealed record HistogramSet(string Label, int Kept, int Dropped, double[] Density);

/// <summary>The shared bin edges and the per-set densities that a saved histogram shows.</summary>
public sealed record HistogramResult(double[] Edges, IReadOnlyList<HistogramSet> Sets);

/// <summary>
/// Density-normalized log-likelihood histograms of several sets on shared bins, one semi-transparent color
/// per set with an opaque step outline and (by default) a kernel density line, and a legend, saved as PNG (the
/// paper's Figure 1(a) and the E2 "likelihoods" plots). The first set is the in-distribution one and is drawn on top.
/// </summary>
public static class LikelihoodHistogram
{
    /// <summary>Computes the histogram without drawing it: drops, shared edges, densities.</summary>
    public static HistogramResult Compute(IReadOnlyList<(string label, double[] values)> sets, HistogramOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sets);
        options ??= new HistogramOptions();
        if (sets.Count == 0) throw new ArgumentException("A histogram needs at least one set.", nameof(sets));

        var kept = KeptValues(sets, options);
        double[] edges = HistogramBins.SharedEdges(kept.Where(k => k.Length > 0), options.MaxBins);
        var result = new List<HistogramSet>(sets.Count);
        for (int i = 0; i < sets.Count; i++)
            result.Add(new HistogramSet(sets[i].label, kept[i].Length, sets[i].values.Length - kept[i].Length,
                HistogramBins.Density(kept[i], edges)));
        return new HistogramResult(edges, result);
    }

    // The values of each set that the histogram shows: finite, and past the drop thresholds.
    private static List<double[]> KeptValues(IReadOnlyList<(string label, double[] values)> sets, HistogramOptions options)
    {
        var kept = new List<double[]>(sets.Count);
        foreach (var (label, values) in sets)
        {
            ArgumentNullException.ThrowIfNull(values, label);
            IEnumerable<double> v = values.Where(double.IsFinite);
            if (options.DropBelow is double t) v = v.Where(x => x >= t);
            var arr = v.ToArray();
            if (options.DropBelowPercentile is double p && arr.Length > 0)
            {
                var sorted = (double[])arr.Clone();
                Array.Sort(sorted);
                double threshold = sorted[Math.Min(sorted.Length - 1, (int)(p / 100.0 * sorted.Length))];
                arr = arr.Where(x => x >= threshold).ToArray();
            }
            kept.Add(arr);
        }
        if (kept.All(k => k.Length == 0))
            throw new ArgumentException(
                "No finite values are left to plot after dropping (check the drop threshold, or the model produced only NaN/Inf likelihoods).",
                nameof(sets));
        return kept;
    }

    /// <summary>Draws and saves the histogram as a PNG of Width×Height pixels; returns what it drew.</summary>
    public static HistogramResult Save(string pngPath, IReadOnlyList<(string label, double[] values)> sets, HistogramOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pngPath);
        options ??= new HistogramOptions();
        var hist = Compute(sets, options);
        var kept = KeptValues(sets, options);

        var plot = PlotPng.NewPlot();
        var edges = hist.Edges;
        // The first set (in-distribution) is drawn last, on top; every set also gets an opaque step outline, so a
        // set whose bars lie under another's stays visible.
        var order = DrawOrder(hist.Sets.Count);
        foreach (int s in order)
        {
            var color = Palette.Tab10(s);
            var bars = new List<ScottPlot.Bar>(edges.Length - 1);
            for (int b = 0; b < edges.Length - 1; b++)
            {
                bars.Add(new ScottPlot.Bar
                {
                    Position = (edges[b] + edges[b + 1]) / 2,
                    Size = edges[b + 1] - edges[b],
                    Value = hist.Sets[s].Density[b],
                    FillColor = color.WithAlpha(options.Alpha),
                    LineWidth = 0,
                });
            }
            plot.Add.Bars(bars);
        }
        foreach (int s in order)
        {
            var (x, y) = StepOutline(edges, hist.Sets[s].Density);
            AddLine(plot, x, y, Palette.Tab10(s), width: 2);
        }
        if (options.Kde)
            foreach (int s in order)
                if (kept[s].Length > 0)
                {
                    var (x, y) = KernelDensity.Line(kept[s], options.KdeBandwidth);
                    AddLine(plot, x, y, Palette.Tab10(s), width: 2.5);
                }
        for (int s = 0; s < hist.Sets.Count; s++)
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem
            {
                LabelText = hist.Sets[s].Label,
                FillColor = Palette.Tab10(s).WithAlpha(Math.Max(options.Alpha, 0.7)),
            });
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.XLabel(options.XLabel);
        plot.YLabel(options.YLabel);
        if (options.Title is not null) plot.Title(options.Title);
        plot.Axes.Margins(bottom: 0);
        PlotPng.Save(plot, pngPath, options.Width, options.Height);
        if (options.Inset is { } inset) HistogramInset.DrawOnto(pngPath, sets, inset, options.Alpha);
        return hist;
    }

    /// <summary>The order sets are drawn in: the last set first, the first (in-distribution) set last, on top.</summary>
    public static int[] DrawOrder(int sets) => Enumerable.Range(0, sets).Reverse().ToArray();

    /// <summary>The histogram's outline as one polyline: up from 0 at the first edge, along each bar's top, down to 0.</summary>
    public static (double[] X, double[] Y) StepOutline(double[] edges, double[] density)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(density);
        if (edges.Length != density.Length + 1)
            throw new ArgumentException($"{edges.Length} edges for {density.Length} bins; expected one edge more than bins.", nameof(edges));
        var x = new double[2 * density.Length + 2];
        var y = new double[x.Length];
        x[0] = edges[0];
        for (int b = 0; b < density.Length; b++)
        {
            x[2 * b + 1] = edges[b];
            y[2 * b + 1] = density[b];
            x[2 * b + 2] = edges[b + 1];
            y[2 * b + 2] = density[b];
        }
        x[^1] = edges[^1];
        return (x, y);
    }

    private static void AddLine(ScottPlot.Plot plot, double[] x, double[] y, ScottPlot.Color color, double width)
    {
        var line = plot.Add.Scatter(x, y, color);
        line.LineWidth = (float)width;
        line.MarkerSize = 0;
    }
}

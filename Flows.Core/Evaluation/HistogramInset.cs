using Flows.Core.Checkpoints;
using Flows.Core.Figures;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Flows.Core.Evaluation;

/// <summary>Which corner of the figure holds the zoomed inset.</summary>
public enum InsetCorner
{
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// <summary>
/// The zoomed inset of the paper's Figure 1(a) (docs/MODELS.md §2 E1): the histograms again, on an x-range around
/// the in-distribution mode. The range is numpy.percentile(in-distribution finite values, [Low, High]) (linear
/// interpolation, <see cref="HistogramBins.Percentile"/>), so it follows the in-distribution set whatever the others do.
/// </summary>
public sealed record HistogramInsetOptions
{
    /// <summary>Index of the in-distribution set among the histogram's sets.</summary>
    public int InDistributionSet { get; init; }

    public double LowPercentile { get; init; } = 5;

    public double HighPercentile { get; init; } = 95;

    public InsetCorner Corner { get; init; } = InsetCorner.UpperRight;

    /// <summary>The inset's width and height as fractions of the figure's.</summary>
    public double Size { get; init; } = 0.42;

    /// <summary>Equal-width bins across the zoomed range.</summary>
    public int Bins { get; init; } = 30;
}

/// <summary>Draws a <see cref="HistogramInsetOptions"/> inset onto an already saved histogram PNG.</summary>
public static class HistogramInset
{
    // Keeps the inset off the figure's edge, where the title and tick labels are.
    private const double Margin = 0.05;

    /// <summary>The zoomed x-range: the in-distribution set's percentiles (a single value is widened by ±0.5).</summary>
    public static (double Low, double High) Window(IReadOnlyList<double> inDistribution, HistogramInsetOptions options)
    {
        ArgumentNullException.ThrowIfNull(inDistribution);
        ArgumentNullException.ThrowIfNull(options);
        if (options.LowPercentile is < 0 or > 100 || options.HighPercentile is < 0 or > 100 || options.LowPercentile >= options.HighPercentile)
            throw new ArgumentException($"The inset's percentiles {options.LowPercentile} and {options.HighPercentile} must satisfy 0 <= low < high <= 100.", nameof(options));
        var sorted = inDistribution.Where(double.IsFinite).ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("The in-distribution set has no finite values to zoom on.", nameof(inDistribution));
        Array.Sort(sorted);
        double lo = HistogramBins.Percentile(sorted, options.LowPercentile), hi = HistogramBins.Percentile(sorted, options.HighPercentile);
        return hi > lo ? (lo, hi) : (lo - 0.5, hi + 0.5);
    }

    /// <summary>Where the inset goes in a <paramref name="width"/>×<paramref name="height"/> figure: left, top, width, height in pixels.</summary>
    public static Rectangle Placement(int width, int height, HistogramInsetOptions options)
    {
        int w = Math.Max(16, (int)(width * options.Size)), h = Math.Max(16, (int)(height * options.Size));
        int mx = (int)(width * Margin), my = (int)(height * Margin);
        bool left = options.Corner is InsetCorner.UpperLeft or InsetCorner.LowerLeft;
        bool top = options.Corner is InsetCorner.UpperLeft or InsetCorner.UpperRight;
        return new Rectangle(left ? mx : width - w - mx, top ? my : height - h - my, w, h);
    }

    /// <summary>
    /// Draws the inset for <paramref name="sets"/> onto the PNG at <paramref name="pngPath"/> (rewritten atomically).
    /// Heights are densities over each set's finite values, as in the main plot, so the zoom shows the same bars larger.
    /// </summary>
    public static (double Low, double High) DrawOnto(string pngPath, IReadOnlyList<(string label, double[] values)> sets, HistogramInsetOptions options, double alpha)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(options);
        if (options.InDistributionSet < 0 || options.InDistributionSet >= sets.Count)
            throw new ArgumentException($"The inset's in-distribution set {options.InDistributionSet} is not one of the {sets.Count} sets.", nameof(options));
        if (options.Bins < 1)
            throw new ArgumentException("The inset needs at least one bin.", nameof(options));
        var (lo, hi) = Window(sets[options.InDistributionSet].values, options);
        double width = (hi - lo) / options.Bins;

        var plot = PlotPng.NewPlot();
        for (int s = 0; s < sets.Count; s++)
        {
            var finite = sets[s].values.Where(double.IsFinite).ToArray();
            if (finite.Length == 0) continue;
            var counts = new int[options.Bins];
            foreach (var v in finite)
                if (v >= lo && v <= hi)
                    counts[Math.Min(options.Bins - 1, (int)((v - lo) / width))]++;
            var color = Palette.Tab10(s).WithAlpha(alpha);
            plot.Add.Bars(counts.Select((c, b) => new ScottPlot.Bar
            {
                Position = lo + (b + 0.5) * width,
                Size = width,
                Value = c / (finite.Length * width),
                FillColor = color,
                LineWidth = 0,
            }).ToList());
        }
        plot.Axes.SetLimitsX(lo, hi);
        plot.Axes.Margins(bottom: 0);

        using var figure = Image.Load<Rgba32>(pngPath);
        var at = Placement(figure.Width, figure.Height, options);
        using var inset = Image.Load<Rgba32>(plot.GetImageBytes(at.Width, at.Height, ScottPlot.ImageFormat.Png));
        figure.Mutate(c => c.DrawImage(inset, new Point(at.X, at.Y), 1f));
        Frame(figure, at);
        AtomicFile.Write(pngPath, s => figure.SaveAsPng(s));
        return (lo, hi);
    }

    // A thin dark frame so the inset reads as a separate panel.
    private static void Frame(Image<Rgba32> image, Rectangle r)
    {
        var ink = new Rgba32(60, 60, 60, 255);
        for (int x = r.Left; x < r.Right; x++)
        {
            image[x, r.Top] = ink;
            image[x, r.Bottom - 1] = ink;
        }
        for (int y = r.Top; y < r.Bottom; y++)
        {
            image[r.Left, y] = ink;
            image[r.Right - 1, y] = ink;
        }
    }
}

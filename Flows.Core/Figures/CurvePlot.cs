namespace Flows.Core.Figures;

/// <summary>One named line of a <see cref="CurvePlot"/>.</summary>
public sealed record CurveSeries(string Name, double[] X, double[] Y)
{
    /// <summary>A series over steps 1, 2, …, n (epochs).</summary>
    public static CurveSeries OverSteps(string name, IReadOnlyList<double> y) =>
        new(name, Enumerable.Range(1, y.Count).Select(i => (double)i).ToArray(), y.ToArray());
}

/// <summary>Line plots of named series (loss and bits/dim curves) saved as PNG with ScottPlot.</summary>
public static class CurvePlot
{
    /// <summary>
    /// Draws each series as a line with markers, one tab10 color each, with a legend. Points whose x or y
    /// is NaN or infinite (a diverged epoch) are left out rather than breaking the axis scale.
    /// </summary>
    public static void Save(string path, IReadOnlyList<CurveSeries> series, string xLabel = "epoch", string yLabel = "loss",
        string? title = null, int width = 800, int height = 500)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("A curve plot needs at least one series.", nameof(series));

        var plot = PlotPng.NewPlot();
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            if (s.X.Length != s.Y.Length)
                throw new ArgumentException($"Series '{s.Name}' has {s.X.Length} x values but {s.Y.Length} y values.", nameof(series));
            var keep = Enumerable.Range(0, s.X.Length).Where(k => double.IsFinite(s.X[k]) && double.IsFinite(s.Y[k])).ToArray();
            var scatter = plot.Add.Scatter(keep.Select(k => s.X[k]).ToArray(), keep.Select(k => s.Y[k]).ToArray(), Palette.Tab10(i));
            scatter.LegendText = s.Name;
            scatter.LineWidth = 2;
            scatter.MarkerSize = keep.Length > 60 ? 0 : 5;
        }
        // Epochs are whole numbers: no ticks at 1.5.
        if (series.All(s => s.X.All(x => !double.IsFinite(x) || x == Math.Floor(x))))
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (title is not null) plot.Title(title);
        PlotPng.Save(plot, path, width, height);
    }
}

using Flows.Core.Checkpoints;

namespace Flows.Core.Figures;

/// <summary>Saves a ScottPlot figure as PNG with a usable font configured and an atomic file write.</summary>
public static class PlotPng
{
    public static void Save(ScottPlot.Plot plot, string path, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(plot);
        if (width < 16 || height < 16) throw new ArgumentOutOfRangeException(nameof(width), $"A plot of {width}×{height} pixels is too small.");
        byte[] png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(png));
    }

    /// <summary>A new plot with the project's look; configures fonts first, so that text set on it renders.</summary>
    public static ScottPlot.Plot NewPlot()
    {
        var font = PlotFonts.EnsureConfigured();
        var plot = new ScottPlot.Plot();
        if (font.FontName is not null) plot.Font.Set(font.FontName);
        return plot;
    }
}

namespace Flows.Core.Figures;

/// <summary>matplotlib's default "tab10" colors, so our plots read like the paper's.</summary>
public static class Palette
{
    private static readonly string[] Tab10Hex =
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    };

    public static ScottPlot.Color Tab10(int index) => ScottPlot.Color.FromHex(Tab10Hex[((index % 10) + 10) % 10]);
}

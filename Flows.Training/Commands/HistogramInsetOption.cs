using System.Globalization;
using Flows.Core.Evaluation;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>
/// --inset and --inset-percentiles: Figure 1(a)'s zoomed inset on likelihoods.png (docs/MODELS.md §2 E1), on the
/// x-range between two percentiles of the in-distribution set's log-likelihoods (<see cref="HistogramInsetOptions"/>).
/// </summary>
public static class HistogramInsetOption
{
    public static OptionSpec Flag { get; } =
        new("inset", null, "likelihoods.png with Figure 1(a)'s zoomed inset: the histograms again on the in-distribution set's 5th-95th percentile");

    public static OptionSpec Percentiles { get; } =
        new("inset-percentiles", "LO,HI", "with --inset: the percentiles of the in-distribution log-likelihoods that bound the zoom, 0 <= LO < HI <= 100", "5,95");

    /// <summary>The inset asked for, or null; a bad --inset-percentiles is a UsageException naming the fix.</summary>
    public static HistogramInsetOptions? Parse(ParsedArgs args)
    {
        bool inset = args.Flag(Flag.Name);
        if (args.String(Percentiles.Name) is not { } text)
            return inset ? new HistogramInsetOptions() : null;
        if (!inset)
            throw new UsageException($"--{Percentiles.Name} sets the zoom of the inset; add --inset (or drop --{Percentiles.Name})");
        var parts = text.Split(',');
        if (parts.Length != 2
            || !double.TryParse(parts[0].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double lo)
            || !double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double hi)
            || !(lo >= 0 && lo < hi && hi <= 100))
            throw new UsageException($"--{Percentiles.Name} must be two percentiles LO,HI with 0 <= LO < HI <= 100, e.g. 5,95; got '{text}'");
        return new HistogramInsetOptions { LowPercentile = lo, HighPercentile = hi };
    }
}

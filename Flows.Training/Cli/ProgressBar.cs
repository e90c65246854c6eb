using System.Diagnostics;

namespace Flows.Training.Cli;

/// <summary>
/// A one-line progress bar with rate and time left on a terminal; on redirected output (CI, logs) it prints
/// a plain line every few seconds instead, so logs stay readable.
/// </summary>
public sealed class ProgressBar
{
    private readonly string _label;
    private readonly long _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private double _lastPrint = double.NegativeInfinity;

    public ProgressBar(string label, long total, string unit)
    {
        _label = label;
        _total = Math.Max(1, total);
        _unit = unit;
    }

    /// <summary>Shows progress; extra is appended (for example the current bits/dim).</summary>
    public void Report(long done, string extra = "", double? ratePerSecond = null)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        bool last = done >= _total;
        if (!last && seconds - _lastPrint < (_interactive ? 0.2 : 10)) return;
        _lastPrint = seconds;
        // Until a second has passed there is no meaningful rate.
        double rate = ratePerSecond is > 0 ? ratePerSecond.Value : seconds >= 1 ? done / seconds : double.NaN;
        double left = rate > 0 ? (_total - done) / rate : double.NaN;
        string rateText = double.IsFinite(rate) ? $"{rate:F1} {_unit}/s" : $"? {_unit}/s";
        string text = $"{_label} {done}/{_total} {_unit}  {rateText}  left {FormatTime(left)}{(extra.Length > 0 ? "  " + extra : "")}";
        if (_interactive)
        {
            const int width = 24;
            int filled = (int)(width * Math.Clamp(done / (double)_total, 0, 1));
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {text}   ");
            if (last) Console.Error.WriteLine();
        }
        else
        {
            Console.Error.WriteLine(text);
        }
    }

    public void Finish()
    {
        if (_interactive) Console.Error.WriteLine();
    }

    private static string FormatTime(double seconds) =>
        double.IsFinite(seconds) ? TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss") : "?";
}

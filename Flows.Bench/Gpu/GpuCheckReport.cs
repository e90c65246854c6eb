using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flows.Bench.Gpu;

/// <summary>One measured kernel: error against the CPU reference, verdict, median time and derived rates.</summary>
public sealed record GpuCheckRow(
    string Kernel, int Version, string Shape, double MaxRelativeError, double Tolerance, bool Pass,
    double Milliseconds, double GigabytesPerSecond, double GigaflopsPerSecond, string? Note);

/// <summary>The gpu-check table, printed as it goes and written as JSON and markdown to --out.</summary>
public sealed class GpuCheckReport(string device, string deviceDescription, string referenceDescription, bool quick)
{
    public List<GpuCheckRow> Rows { get; } = new();

    public const string HeaderLine =
        "kernel                              v  shape                          max rel err  result        ms      GB/s   GFLOP/s";

    public static string Format(GpuCheckRow r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Kernel,-35} {(r.Version == 0 ? "-" : r.Version.ToString(CultureInfo.InvariantCulture)),1}  {r.Shape,-30} {r.MaxRelativeError,11:0.0e+00}  {(r.Pass ? "PASS" : "FAIL"),-6} {r.Milliseconds,10:0.000} {r.GigabytesPerSecond,9:0.0} {r.GigaflopsPerSecond,9:0.0}{(r.Note is null ? "" : "  " + r.Note)}");

    public string Summary()
    {
        int failed = Rows.Count(r => !r.Pass);
        return failed == 0
            ? $"gpu-check: all {Rows.Count} kernel cases PASS on {device}"
            : $"gpu-check: {failed} of {Rows.Count} kernel cases FAIL on {device}";
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var json = new
        {
            device,
            deviceDescription,
            reference = referenceDescription,
            quick,
            date = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            rows = Rows.Select(r => new
            {
                r.Kernel, r.Version, r.Shape,
                MaxRelativeError = double.IsFinite(r.MaxRelativeError) ? r.MaxRelativeError : -1,
                r.Tolerance, r.Pass, r.Milliseconds, r.GigabytesPerSecond, r.GigaflopsPerSecond, r.Note,
            }),
        };
        File.WriteAllText(Path.Combine(directory, "gpu-check.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# gpu-check on {device}: {deviceDescription}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Reference: cpu ({referenceDescription}). {(quick ? "Quick shapes." : "Full shapes.")} Error: max |a−b| / max(|b|, rms b).");
        md.AppendLine();
        md.AppendLine("| kernel | v | shape | max rel err | result | ms | GB/s | GFLOP/s |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Kernel} | {(r.Version == 0 ? "-" : r.Version)} | {r.Shape} | {r.MaxRelativeError:0.0e+00} | {(r.Pass ? "PASS" : "FAIL " + r.Note)} | {r.Milliseconds:0.000} | {r.GigabytesPerSecond:0.0} | {r.GigaflopsPerSecond:0.0} |"));
        md.AppendLine();
        if (GpuCheckVersions.Compare(Rows) is { Count: > 0 } versions)
        {
            md.AppendLine("Kernel versions side by side (median ms):");
            md.AppendLine();
            foreach (var line in GpuCheckVersions.Markdown(versions)) md.AppendLine(line);
            md.AppendLine();
        }
        md.AppendLine(Summary());
        File.WriteAllText(Path.Combine(directory, "gpu-check.md"), md.ToString());
    }
}

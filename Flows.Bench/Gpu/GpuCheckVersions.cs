using System.Globalization;

namespace Flows.Bench.Gpu;

/// <summary>
/// The kernel versions side by side: for each kernel and shape measured under more than one version (the GEMM
/// and convolution rows: v1, v2, v3), the median milliseconds of each and the speed of each against v2, so a GPU
/// run answers "is v3 faster than v2, and where" in one table (docs/PERFORMANCE.md "GPU convolution kernels v3").
/// </summary>
public static class GpuCheckVersions
{
    public sealed record Comparison(string Kernel, string Shape, IReadOnlyList<(int Version, double Milliseconds, bool Pass)> Versions)
    {
        /// <summary>v2's time over version <paramref name="version"/>'s (above 1: faster than v2); null where either is missing or failed.</summary>
        public double? SpeedupOverV2(int version)
        {
            var baseline = Versions.FirstOrDefault(v => v.Version == 2);
            var other = Versions.FirstOrDefault(v => v.Version == version);
            return baseline.Version == 2 && other.Version == version && baseline.Pass && other.Pass && other.Milliseconds > 0
                ? baseline.Milliseconds / other.Milliseconds
                : null;
        }
    }

    public static IReadOnlyList<Comparison> Compare(IEnumerable<GpuCheckRow> rows) =>
        rows.Where(r => r.Version > 0)
            .GroupBy(r => (r.Kernel, r.Shape))
            .Where(g => g.Count() > 1)
            .Select(g => new Comparison(g.Key.Kernel, g.Key.Shape,
                                        g.OrderBy(r => r.Version).Select(r => (r.Version, r.Milliseconds, r.Pass)).ToList()))
            .ToList();

    public const string HeaderLine =
        "kernel                              shape                               v1 ms      v2 ms      v3 ms  v2 vs v1 v3 vs v2";

    public static string Format(Comparison c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Kernel,-35} {c.Shape,-30} {Ms(c, 1),10} {Ms(c, 2),10} {Ms(c, 3),10} " +
        $"{Ratio(Inverse(c.SpeedupOverV2(1))),8} {Ratio(c.SpeedupOverV2(3)),8}");

    /// <summary>The same table in markdown, for gpu-check.md.</summary>
    public static IEnumerable<string> Markdown(IReadOnlyList<Comparison> comparisons)
    {
        yield return "| kernel | shape | v1 ms | v2 ms | v3 ms | v2 speed over v1 | v3 speed over v2 |";
        yield return "|---|---|---|---|---|---|---|";
        foreach (var c in comparisons)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {c.Kernel} | {c.Shape} | {Ms(c, 1)} | {Ms(c, 2)} | {Ms(c, 3)} | " +
                $"{Ratio(Inverse(c.SpeedupOverV2(1)))} | {Ratio(c.SpeedupOverV2(3))} |");
    }

    private static double? Inverse(double? speedup) => speedup is { } s ? 1 / s : null;

    private static string Ms(Comparison c, int version)
    {
        var v = c.Versions.FirstOrDefault(x => x.Version == version);
        return v.Version != version ? "-" : v.Pass ? v.Milliseconds.ToString("0.000", CultureInfo.InvariantCulture) : "FAIL";
    }

    private static string Ratio(double? ratio) => ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "-";
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Flows.Bench.Cpu;

/// <summary>
/// A summary column that turns the mean time of a benchmark into a rate (GFLOP/s or GB/s), given the work one
/// invocation does. The work is looked up from the benchmark case (method name and parameters).
/// </summary>
public sealed class ThroughputColumn(string name, string legend, Func<BenchmarkCase, double?> workPerInvocation, double unitScale)
    : IColumn
{
    public string Id => $"{nameof(ThroughputColumn)}.{name}";
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        double? work = workPerInvocation(benchmarkCase);
        if (stats is null || work is null || stats.Mean <= 0) return "-";
        // Mean is in nanoseconds per invocation.
        return (work.Value / (stats.Mean * 1e-9) / unitScale).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    /// <summary>The value of a [Params] property of the case, as a string.</summary>
    public static string Parameter(BenchmarkCase benchmarkCase, string parameter) =>
        benchmarkCase.Parameters[parameter]?.ToString() ?? "";
}

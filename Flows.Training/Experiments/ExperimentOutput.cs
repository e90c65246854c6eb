namespace Flows.Training.Experiments;

/// <summary>Where a report and the figures it links go; figure links are relative to the report's folder.</summary>
public sealed record ReportTarget(string Report, string Figures);

/// <summary>
/// Where a comparison writes: everything under <see cref="Runs"/> (one folder per run, and REPRODUCTION.md with its
/// figures/), plus a copy of the report at <see cref="Docs"/> only when asked (--write-docs), so a run started in a
/// clone never overwrites the clone's docs/ by default.
/// </summary>
public sealed record ExperimentOutput(string Runs, ReportTarget? Docs)
{
    public const string ReportFile = "REPRODUCTION.md";

    public string Report => Path.Combine(Runs, ReportFile);

    public string Figures => Path.Combine(Runs, "figures");

    /// <param name="runs">The --out folder.</param>
    /// <param name="writeDocs">--write-docs FILE, or null for no copy.</param>
    /// <param name="figures">--figures DIR for the copy's figures; null: figures/ beside the copy.</param>
    /// <exception cref="ArgumentException">An empty path, or --figures without --write-docs.</exception>
    public static ExperimentOutput Create(string runs, string? writeDocs, string? figures)
    {
        if (string.IsNullOrWhiteSpace(runs)) throw new ArgumentException("--out needs a folder, e.g. --out runs/experiments");
        if (writeDocs is null)
        {
            if (figures is not null) throw new ArgumentException("--figures places the figures of --write-docs' report; give --write-docs FILE too");
            return new ExperimentOutput(runs, null);
        }
        if (string.IsNullOrWhiteSpace(writeDocs) || writeDocs.EndsWith('/') || Directory.Exists(writeDocs))
            throw new ArgumentException($"--write-docs needs a file path, e.g. --write-docs docs/REPRODUCTION.md, got '{writeDocs}'");
        string folder = Path.GetDirectoryName(Path.GetFullPath(writeDocs))!;
        return new ExperimentOutput(runs, new ReportTarget(writeDocs, figures ?? Path.Combine(folder, "figures")));
    }
}

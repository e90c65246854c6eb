using Flows.Core.Evaluation;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows report PATH`: read a report.json back and print its table (CI uses it to check the main job).</summary>
public static class ReportCommand
{
    public static CommandSpec Spec { get; } = new("report",
        "Print the AUROC and bits/dim table of a report.json written by 'ood' or the main job.", [], Run, usageTail: "PATH");

    private static int Run(ParsedArgs args)
    {
        if (args.Positional.Count != 1) throw new UsageException("usage: flows report PATH (a report.json or its folder)");
        OodReport report;
        try { report = OodReportReader.Read(args.Positional[0]); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"cannot read report '{args.Positional[0]}': {e.Message}");
        }
        OodCommand.PrintTable(report);
        Console.WriteLine($"checkpoint: {report.Checkpoint}");
        return 0;
    }
}

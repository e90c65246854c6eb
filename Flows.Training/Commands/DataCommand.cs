using System.Globalization;
using Flows.Core.Data;
using Flows.Training.Cli;
using Spectre.Console;

namespace Flows.Training.Commands;

/// <summary>`flows data list | download NAME | verify [NAME]`: the data sets the tool knows and their files.</summary>
public static class DataCommand
{
    public static CommandSpec Spec { get; } = new("data",
        "Manage data sets.\n  data list            the known sets, their shapes and whether their files are present\n" +
        "  data download NAME   download a set (checksums verified)\n  data verify [NAME]   check present files against their checksums",
        [CommonOptions.DataDir, CommonOptions.Offline],
        Run, usageTail: "list|download NAME|verify [NAME]");

    private static int Run(ParsedArgs args)
    {
        if (args.Positional.Count == 0) throw new UsageException("'data' needs a sub-command: list, download NAME or verify [NAME]; see 'flows data --help'");
        var options = CommonOptions.Data(args);
        string dir = DataDirectory.Resolve(options.DataDir);
        switch (args.Positional[0])
        {
            case "list":
                List(dir);
                return 0;
            case "download":
                if (args.Positional.Count != 2) throw new UsageException("usage: flows data download NAME (see 'flows data list')");
                var folder = DatasetLoader.EnsureWithHintAsync(DatasetRegistry.Get(args.Positional[1]), null, options).GetAwaiter().GetResult();
                Console.WriteLine($"{args.Positional[1]}: ready in {folder}");
                return 0;
            case "verify":
                var sets = args.Positional.Count > 1 ? args.Positional.Skip(1).Select(DatasetRegistry.Get).ToList() : null;
                return Verify(dir, sets);
            default:
                throw new UsageException($"unknown data sub-command '{args.Positional[0]}'; use list, download or verify");
        }
    }

    private static void List(string dir)
    {
        Console.WriteLine($"data folder: {dir}");
        var checks = DatasetVerifier.Verify(dir, checksums: false);
        var table = new Table();
        foreach (var c in new[] { "name", "shape", "train", "test", "files present", "note" }) table.AddColumn(c);
        foreach (var info in DatasetRegistry.All)
        {
            var mine = checks.Where(c => c.Dataset == info.Name).ToList();
            table.AddRow(info.Name, info.ShapeText,
                info.TrainCount?.ToString(CultureInfo.InvariantCulture) ?? "-", info.TestCount?.ToString(CultureInfo.InvariantCulture) ?? "-",
                $"{mine.Count(c => c.IsUsable)}/{mine.Count}", Markup.Escape(info.ManualDownload is null ? info.Note ?? "" : "manual download"));
        }
        Terminal.Write(table);
    }

    private static int Verify(string dir, IReadOnlyList<DatasetInfo>? sets)
    {
        Console.WriteLine($"data folder: {dir}");
        var checks = DatasetVerifier.Verify(dir, sets, checksums: true);
        // Without names, a set none of whose files is here is simply not downloaded; a set with some files here
        // and others missing is incomplete, and its missing files are reported like damaged ones.
        var absentSets = sets is not null ? [] : checks.GroupBy(c => c.Dataset)
            .Where(g => g.All(c => c.Status == FileStatus.Missing)).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        int damaged = 0;
        foreach (var c in checks)
        {
            if (absentSets.Contains(c.Dataset)) continue;
            Console.WriteLine($"{c.Status,-16} {c.Dataset}/{c.File}  {c.Detail}");
            if (c.Status == FileStatus.Missing) missing.Add($"{c.Dataset}/{c.File}");
            else if (!c.IsUsable) damaged++;
        }
        if (missing.Count == 0 && damaged == 0)
        {
            Console.WriteLine("all present files verified");
            return 0;
        }
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"{missing.Count} file(s) missing ({string.Join(", ", missing)})");
        if (damaged > 0) parts.Add($"{damaged} file(s) damaged");
        // The verdict is the run's one error line (exit 3, a data error); the per-file lines above are the details.
        throw new DataException($"{string.Join(" and ", parts)}; run 'flows data download NAME' for each incomplete set");
    }
}

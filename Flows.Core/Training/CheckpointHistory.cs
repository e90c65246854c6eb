using System.Globalization;
using System.Text.RegularExpressions;

namespace Flows.Core.Training;

/// <summary>
/// The epoch checkpoints a run keeps beside its rolling checkpoint.safetensors: checkpoint-epoch-E.safetensors,
/// as the official scripts keep E.pt (the notebooks load epochs 80 and 100, docs/MODELS.md §5.3). Each is a full,
/// resumable checkpoint; pruning deletes only these files, never the rolling checkpoint.
/// </summary>
public static partial class CheckpointHistory
{
    public static string FileName(int epoch) => $"checkpoint-epoch-{epoch.ToString(CultureInfo.InvariantCulture)}.safetensors";

    public static string PathFor(string directory, int epoch) => Path.Combine(directory, FileName(epoch));

    /// <summary>The epoch checkpoints in a folder, oldest epoch first.</summary>
    public static IReadOnlyList<(int Epoch, string Path)> List(string directory)
    {
        if (!Directory.Exists(directory)) return [];
        var found = new List<(int, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, "checkpoint-epoch-*.safetensors"))
        {
            var match = EpochFile().Match(Path.GetFileName(path));
            if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
                found.Add((epoch, path));
        }
        return found.OrderBy(f => f.Item1).ToList();
    }

    /// <summary>Deletes the oldest epoch checkpoints so that at most <paramref name="keep"/> remain; returns the deleted paths.</summary>
    public static IReadOnlyList<string> Prune(string directory, int keep)
    {
        if (keep < 1) throw new ArgumentException($"--keep must be at least 1, got {keep}");
        var all = List(directory);
        var removed = all.Take(Math.Max(0, all.Count - keep)).Select(f => f.Path).ToList();
        foreach (var path in removed) File.Delete(path);
        return removed;
    }

    [GeneratedRegex(@"^checkpoint-epoch-(\d+)\.safetensors$")]
    private static partial Regex EpochFile();
}

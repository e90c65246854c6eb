namespace Flows.Core.Data;

/// <summary>
/// Loads what a flow trains on or scores from a data-set spec: image sets exactly as <see cref="DatasetLoader"/>
/// takes them, and vector sets: NAME=PATH to a numpy <c>.npz</c> (keys <c>embeddings</c>, <c>labels</c>) or
/// <c>.npy</c> file, where "{split}" in PATH stands for train or test (what <c>flows features</c> writes), and the
/// UCI tasks of docs/MODELS.md §2 E11 (miniboone0, miniboone1, hepmass0, hepmass1).
/// </summary>
public static class FlowDataLoader
{
    /// <summary>The token of a vector path that names the split: features_{split}.npz.</summary>
    public const string SplitToken = "{split}";

    /// <summary>
    /// Loads <paramref name="spec"/>'s <paramref name="split"/>. <paramref name="trainedOn"/> is the spec of the
    /// model's training set when scoring: a UCI OOD set (class 1 − k) is standardised with class k's training
    /// statistics (docs/MODELS.md §3.3), so it needs to know k.
    /// </summary>
    public static FlowData Load(string spec, DatasetSplit split, DataOptions options, string? trainedOn = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec = spec.Trim();
        if (VectorPath(spec) is var (name, path))
        {
            // A path with {split} names one split, as image sets are named ("mnist/test"); one without is the same file for every split.
            bool perSplit = path.Contains(SplitToken, StringComparison.Ordinal);
            return LoadVectors(perSplit ? $"{name}/{SplitName(split)}" : name, path.Replace(SplitToken, SplitName(split), StringComparison.Ordinal));
        }
        if (UciTasks.TryLoad(spec, split, options, trainedOn) is { } uci)
            return uci;
        return DatasetLoader.Load(spec, split, options);
    }

    /// <summary>True when the spec names vectors (a .npy/.npz path or a UCI task), not images.</summary>
    public static bool IsVectorSpec(string spec) => VectorPath(spec.Trim()) is not null || UciTasks.IsTask(spec.Trim());

    public static string SplitName(DatasetSplit split) => split.ToString().ToLowerInvariant();

    public static bool IsVectorFile(string path) =>
        path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);

    private static VectorDataset LoadVectors(string name, string path)
    {
        if (!File.Exists(path))
            throw new DataException(path.Contains("_features_", StringComparison.Ordinal)
                ? $"no vector file at {Path.GetFullPath(path)}; embed the images first with 'flows features' (or check the path)"
                : $"no vector file at {Path.GetFullPath(path)}; check the path");
        return VectorFile.Load(path, name);
    }

    private static (string Name, string Path)? VectorPath(string spec)
    {
        int eq = spec.IndexOf('=');
        string name = eq >= 0 ? spec[..eq].Trim() : "", path = eq >= 0 ? spec[(eq + 1)..].Trim() : spec;
        if (!IsVectorFile(path)) return null;
        if (name.Length == 0) name = System.IO.Path.GetFileNameWithoutExtension(path).Replace(SplitToken, "", StringComparison.Ordinal).Trim('_', '-', '.');
        return (name, path);
    }
}

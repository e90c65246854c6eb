using Flows.Core.Checkpoints;
using Flows.Core.Data.Numpy;

namespace Flows.Core.Data;

/// <summary>
/// Vector data sets on disk (docs/MODELS.md §3.2, E10): an .npz with 'embeddings' (float32 [N, D]) and, optionally,
/// 'labels' (integers [N]; absent means -1 for every row), as the official TransferCIFAR/SVHN/CelebA files are;
/// or an .npy holding one float [N, D] array (no labels).
/// </summary>
public static class VectorFile
{
    public const string EmbeddingsKey = "embeddings";

    public const string LabelsKey = "labels";

    /// <summary>Loads an .npz or .npy file; <paramref name="name"/> defaults to the file name without extension.</summary>
    public static VectorDataset Load(string path, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        name ??= Path.GetFileNameWithoutExtension(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".npy")
            return FromArrays(name, path, NpyReader.ReadFloat32(path), null);
        if (extension != ".npz")
            throw new DataException($"{path}: vector data must be a numpy .npz (keys '{EmbeddingsKey}', '{LabelsKey}') or .npy file");
        using var npz = NpzReader.Open(path);
        var values = npz.ReadFloat32(EmbeddingsKey);
        var labels = npz.Contains(LabelsKey) ? npz.ReadInt32(LabelsKey) : null;
        return FromArrays(name, path, values, labels);
    }

    /// <summary>
    /// Saves as .npz with 'embeddings' (float32 [N, D]) and, when the set has labels, 'labels' (int64 [N], the
    /// type numpy gives Python ints), deflated unless <paramref name="compressed"/> is false. Written to a
    /// temporary file and renamed, so an interrupted save never leaves a half-written file.
    /// </summary>
    public static void Save(string path, VectorDataset data, bool compressed = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(data);
        AtomicFile.Write(path, stream =>
        {
            using var npz = new NpzWriter(stream, compressed, leaveOpen: true);
            npz.Write(EmbeddingsKey, data.Values, [data.Count, data.Dim]);
            if (data.HasLabels)
                npz.Write(LabelsKey, data.Labels.Select(l => (long)l).ToArray(), [data.Count]);
        });
    }

    private static VectorDataset FromArrays(string name, string path, NpyArray<float> values, NpyArray<int>? labels)
    {
        if (values.Rank != 2 || values.Shape[1] == 0)
            throw new DataException($"{path}: the vectors must be a 2-D [N, D] array with D > 0, got shape ({string.Join(", ", values.Shape)})");
        int count = values.Shape[0];
        if (labels is not null && (labels.Rank != 1 || labels.Shape[0] != count))
            throw new DataException($"{path}: '{LabelsKey}' must be a 1-D array of {count} labels (one per row of '{EmbeddingsKey}'), got shape ({string.Join(", ", labels.Shape)})");
        var labelArray = labels?.Data ?? Enumerable.Repeat(-1, count).ToArray();
        return new VectorDataset(name, values.Data, labelArray, values.Shape[1]);
    }
}

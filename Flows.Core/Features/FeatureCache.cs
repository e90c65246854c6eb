using System.Security.Cryptography;
using System.Text;
using Flows.Core.Checkpoints;
using Flows.Core.Data;

namespace Flows.Core.Features;

/// <summary>
/// Embeddings cached as numpy <c>.npz</c> files (keys <c>embeddings</c>, <c>labels</c>: docs/MODELS.md §3.2), each
/// with a sidecar <c>.key</c> file that records what made it: the extractor (model file hash, input size,
/// preprocessing) and a hash of the images themselves. A cache whose key differs in anything is recomputed, so a
/// changed model, size or data set never reuses stale vectors. The .npz is written first and the key last, both
/// atomically: a run killed in between leaves a cache that is recomputed, never one that is trusted wrongly.
/// </summary>
public static class FeatureCache
{
    /// <summary>Where a set's embeddings go: DIR/NAME_features_SPLIT.npz (the official file names, spec E10).</summary>
    public static string PathFor(string directory, string setName, DatasetSplit split) =>
        Path.Combine(directory, $"{FileSafe(setName)}_features_{FlowDataLoader.SplitName(split)}.npz");

    /// <summary>The spec that loads both splits of a cached set: NAME=DIR/NAME_features_{split}.npz.</summary>
    public static string SpecFor(string directory, string setName) =>
        $"{FileSafe(setName)}={Path.Combine(directory, $"{FileSafe(setName)}_features_{FlowDataLoader.SplitToken}.npz")}";

    /// <summary>The cache key of embedding <paramref name="images"/> with the extractor identified by <paramref name="extractorId"/>.</summary>
    public static string Key(string extractorId, ImageDataset images)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{images.Count}x{images.Channels}x{images.Height}x{images.Width}\n"));
        foreach (var chunk in images.PixelChunks) sha.AppendData(chunk.Span);
        var labels = new byte[images.Labels.Length * sizeof(int)];
        Buffer.BlockCopy(images.Labels, 0, labels, 0, labels.Length);
        sha.AppendData(labels);
        return $"extractor: {extractorId}\nimages: {images.Count} of {images.Channels}x{images.Height}x{images.Width}, sha256 {Convert.ToHexStringLower(sha.GetHashAndReset())}\n";
    }

    /// <summary>True when <paramref name="path"/> holds embeddings made under exactly <paramref name="key"/>.</summary>
    public static bool IsFresh(string path, string key) =>
        File.Exists(path) && File.Exists(KeyPath(path)) && File.ReadAllText(KeyPath(path)) == key;

    /// <summary>
    /// The cached embeddings when fresh, else <paramref name="compute"/>()'s, written to the cache. Returns the
    /// data and whether it came from the cache.
    /// </summary>
    public static (VectorDataset Data, bool Cached) GetOrCompute(string path, string key, string name, Func<VectorDataset> compute)
    {
        if (IsFresh(path, key))
        {
            try
            {
                return (VectorFile.Load(path, name), true);
            }
            catch (DataException)
            {
                // A damaged cache is a cache miss: it is recomputed below and overwritten.
            }
        }
        var data = compute();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(KeyPath(path))) File.Delete(KeyPath(path));
        VectorFile.Save(path, data);
        AtomicFile.WriteAllText(KeyPath(path), key);
        return (data, false);
    }

    public static string KeyPath(string npzPath) => npzPath + ".key";

    private static string FileSafe(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return sb.ToString();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Flows.Core.Data;
using Flows.Kernels;

namespace Flows.Core.Features;

/// <summary>
/// Embeds image sets with the ResNet-18 extractor into the feature cache (<see cref="FeatureCache"/>): what
/// <c>flows features</c>, the main job and the experiments share. The cache key names the model files by
/// their SHA-256, the input size, the pooling and BN folding, and the images by theirs, so any change of
/// model, size or data recomputes.
/// </summary>
public sealed class FeatureEmbedder : IDisposable
{
    private FeatureEmbedder(ResNetFeatureExtractor extractor, string id, string directory)
    {
        Extractor = extractor;
        Id = id;
        Directory = directory;
    }

    /// <summary>Loads the model files (see <see cref="ResNetModelFiles.Locate"/>) and hashes them for the cache key.</summary>
    public static FeatureEmbedder Open(IComputeBackend backend, ResNetFeatureOptions options, string directory)
    {
        var files = ResNetModelFiles.Locate(options.ModelFolder);
        var extractor = ResNetFeatureExtractor.Load(backend, options);
        string id = string.Create(CultureInfo.InvariantCulture,
            $"resnet18 {Sha256(files.ResNetPath)} preprocess {Sha256(files.PreprocessPath)} size {options.InputSize} pool {options.AveragePool} fold-bn {options.FoldBatchNorm} resize bilinear-v1");
        return new FeatureEmbedder(extractor, id, directory);
    }

    public ResNetFeatureExtractor Extractor { get; }

    /// <summary>What made the embeddings, in the cache key.</summary>
    public string Id { get; }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>For people: "ResNet-18 (ImageNet, ONNX) at 64x64, global average pool".</summary>
    public string Description => string.Create(CultureInfo.InvariantCulture,
        $"ResNet-18 (ImageNet, ONNX) at {Extractor.Options.InputSize}x{Extractor.Options.InputSize}, {(Extractor.Options.AveragePool == AveragePoolMode.Global ? "global average pool" : "the graph's 7x7 average pool")}");

    /// <summary>
    /// The embeddings of <paramref name="images"/> (set <paramref name="setName"/>, split <paramref name="split"/>),
    /// from the cache when fresh. progress gets (images done, images in all) while computing.
    /// </summary>
    public EmbeddedSet Embed(ImageDataset images, string setName, DatasetSplit split, Action<int, int>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        string path = FeatureCache.PathFor(Directory, setName, split);
        string key = FeatureCache.Key(Id, images);
        var name = $"{setName}/{FlowDataLoader.SplitName(split)}";
        var (data, cached) = FeatureCache.GetOrCompute(path, key, name, () =>
        {
            var vectors = Extractor.Extract(images, done => progress?.Invoke(done, images.Count));
            return new VectorDataset(name, vectors.Values, vectors.Labels, vectors.Dim);
        });
        return new EmbeddedSet(data, path, cached, clock.Elapsed.TotalSeconds);
    }

    public void Dispose() => Extractor.Dispose();

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>One embedded set: the vectors, their cache file, whether they came from the cache, and the seconds it took.</summary>
public sealed record EmbeddedSet(VectorDataset Data, string Path, bool Cached, double Seconds)
{
    /// <summary>Images per second of the extraction (NaN when cached).</summary>
    public double Rate => Cached || Seconds <= 0 ? double.NaN : Data.Count / Seconds;
}

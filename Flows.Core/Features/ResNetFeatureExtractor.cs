using Flows.Core.Data;
using Flows.Core.Onnx;
using Flows.Kernels;

namespace Flows.Core.Features;

/// <summary>
/// ImageNet ResNet-18 embeddings computed by our engine (docs/FEATURES.md): each image (bytes, 1 or 3
/// channels, any size) is replicated to 3 channels when grayscale, resized to InputSize² (bilinear, PyTorch
/// align_corners=False), reordered RGB → BGR and reduced by the mean image exactly as ResNetPreprocess.onnx
/// does, and run through ResNet18.onnx to its 512 average-pooled features. The paper's cure for flow OOD
/// failure trains a flow on such semantic features (docs/MODELS.md §8). Host buffers are reused across batches.
/// </summary>
public sealed class ResNetFeatureExtractor : IDisposable
{
    /// <summary>Features per image (the width of the final average pool).</summary>
    public const int FeatureDim = 512;

    private readonly float[] _mean;
    private float[] _batch = [];
    private BilinearResize? _resize;

    /// <summary>Builds the extractor from decoded models.</summary>
    public ResNetFeatureExtractor(IComputeBackend backend, OnnxModel resnet, OnnxModel preprocess, ResNetFeatureOptions? options = null)
    {
        Options = options ?? new ResNetFeatureOptions();
        if (Options.InputSize < 32 || Options.InputSize % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"InputSize must be even and at least 32, got {Options.InputSize}");
        if (Options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"BatchSize must be positive, got {Options.BatchSize}");
        Preprocessing = ResNetPreprocessing.FromGraph(preprocess.Graph);
        _mean = Preprocessing.MeanAt(Options.InputSize);
        Network = new OnnxNetwork(backend, resnet.Graph, new OnnxNetworkOptions { FoldBatchNorm = Options.FoldBatchNorm, AveragePool = Options.AveragePool });
    }

    /// <summary>Loads the two ONNX files (see <see cref="ResNetModelFiles.Locate"/>) and builds the extractor.</summary>
    public static ResNetFeatureExtractor Load(IComputeBackend backend, ResNetFeatureOptions? options = null)
    {
        options ??= new ResNetFeatureOptions();
        var files = ResNetModelFiles.Locate(options.ModelFolder);
        return new ResNetFeatureExtractor(backend, OnnxModel.Load(files.ResNetPath), OnnxModel.Load(files.PreprocessPath), options);
    }

    /// <summary>The settings in use.</summary>
    public ResNetFeatureOptions Options { get; }

    /// <summary>The preprocessing read from the graph.</summary>
    public ResNetPreprocessing Preprocessing { get; }

    /// <summary>The network on the engine.</summary>
    public OnnxNetwork Network { get; }

    /// <summary>The embeddings of every image, one 512-wide row each, labels carried over; progress gets the images done.</summary>
    public VectorDataset Extract(ImageDataset images, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var values = new float[(long)images.Count * FeatureDim];
        var pixels = new byte[Math.Min(Options.BatchSize, images.Count) * images.ImageSize];
        for (int start = 0; start < images.Count; start += Options.BatchSize)
        {
            int count = Math.Min(Options.BatchSize, images.Count - start);
            images.CopyImages(start, count, pixels.AsSpan(0, count * images.ImageSize)); // a batch may span two pixel chunks
            EmbedBatch(pixels.AsSpan(0, count * images.ImageSize), count, images.Channels, images.Height, images.Width, values.AsSpan(start * FeatureDim, count * FeatureDim));
            progress?.Invoke(start + count);
        }
        return new VectorDataset($"{images.Name}-resnet18-{Options.InputSize}", values, (int[])images.Labels.Clone(), FeatureDim);
    }

    /// <summary>Embeds count images (bytes N×C×H×W, C = 1 or 3) into features (count × 512).</summary>
    public void EmbedBatch(ReadOnlySpan<byte> pixels, int count, int channels, int height, int width, Span<float> features)
    {
        int size = Options.InputSize, length = count * 3 * size * size;
        if (_batch.Length < length) _batch = new float[length];
        Prepare(pixels, count, channels, height, width, _batch.AsSpan(0, length));
        Embed(_batch.AsSpan(0, length), count, features);
    }

    /// <summary>
    /// The network input for count images: grayscale replicated, resized to InputSize², BGR, minus the mean
    /// image (what ResNetPreprocess.onnx outputs for the resized RGB image). destination is count × 3 × S × S.
    /// </summary>
    public void Prepare(ReadOnlySpan<byte> pixels, int count, int channels, int height, int width, Span<float> destination)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"images must have 1 or 3 channels, got {channels}");
        int size = Options.InputSize, plane = size * size, imageSize = channels * height * width;
        if (pixels.Length != count * imageSize || destination.Length != count * 3 * plane)
            throw new ArgumentException($"{count} images of {channels}×{height}×{width}: got {pixels.Length} bytes and room for {destination.Length} floats");
        if (_resize is null || _resize.InHeight != height || _resize.InWidth != width)
            _resize = new BilinearResize(height, width, size, size);
        for (int n = 0; n < count; n++)
            for (int c = 0; c < 3; c++)
            {
                int source = channels == 1 ? 0 : Preprocessing.ChannelOrder[c];
                var dst = destination.Slice((n * 3 + c) * plane, plane);
                _resize.Resize(pixels.Slice(n * imageSize + source * height * width, height * width), dst);
                var mean = _mean.AsSpan(c * plane, plane);
                for (int i = 0; i < plane; i++) dst[i] -= mean[i];
            }
    }

    /// <summary>Runs prepared inputs (count × 3 × S × S) through the network into features (count × 512).</summary>
    public void Embed(ReadOnlySpan<float> prepared, int count, Span<float> features)
    {
        int size = Options.InputSize;
        if (features.Length != count * FeatureDim) throw new ArgumentException($"{count} images need {count * FeatureDim} feature values, got room for {features.Length}");
        using var input = Tensor.Empty(Network.Backend, count, 3, size, size);
        input.CopyFrom(prepared);
        using var output = Network.Forward(input);
        if (output.Length != count * FeatureDim)
            throw new InvalidOperationException($"the network gave {Shapes.Format(output.Shape)}, expected {count}×{FeatureDim}");
        Network.Backend.Download(output.Buffer, features);
    }

    /// <summary>Frees the network's weights.</summary>
    public void Dispose() => Network.Dispose();
}

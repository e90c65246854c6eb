using Flows.Core.Features;
using Flows.Core.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Flows.Bench.Features;

/// <summary>
/// The reference for ResNetFeatureExtractor: the whole chain in ONNX Runtime (docs/FEATURES.md, "Parity
/// check"). Bytes become floats 0–255 (grayscale replicated to RGB); ORT's Resize (linear, half_pixel) brings
/// them to size²; ResNetPreprocess.onnx and ResNet18.onnx follow. At 224 both graphs run unchanged, one image
/// per run (their inputs are declared 1×3×224×224); at other sizes the preprocessing gets the mean image
/// resized by ORT's Resize, the network gets GlobalAveragePool for its AveragePool, and both get free input
/// dimensions, so a batch runs at once. Compiled into Flows.Bench and linked into Flows.Tests.
/// </summary>
public sealed class OrtFeatureChain : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _preprocess, _network;
    private readonly Dictionary<(int, int, int), InferenceSession> _resizers = new();
    private readonly string _prepInput, _prepOutput, _netInput, _netOutput;

    /// <summary>Sessions for size² inputs with the given intra-op thread count.</summary>
    public OrtFeatureChain(ResNetModelFiles files, int size, int threads)
    {
        Size = size;
        _options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        byte[] prep = File.ReadAllBytes(files.PreprocessPath), net = File.ReadAllBytes(files.ResNetPath);
        if (size != 224)
        {
            var prepModel = OnnxModel.Parse(prep);
            var mean = prepModel.Graph.Initializers.Single(t => t.Name == "MeanImage");
            var resizedMean = Resize(mean.RequireFloats("MeanImage"), 1, 224, 224);
            prep = OnnxWriter.Write(OnnxGraphEdits.WithFreeDims(OnnxGraphEdits.WithInitializer(prepModel, new OnnxTensor("MeanImage", [1, 3, size, size], resizedMean)), freeSpatial: true));
            net = OnnxWriter.Write(OnnxGraphEdits.WithFreeDims(OnnxGraphEdits.WithGlobalAveragePool(OnnxModel.Parse(net)), freeSpatial: true));
        }
        _preprocess = new InferenceSession(prep, _options);
        _network = new InferenceSession(net, _options);
        (_prepInput, _prepOutput) = (_preprocess.InputNames[0], _preprocess.OutputNames[0]);
        (_netInput, _netOutput) = (_network.InputNames[0], _network.OutputNames[0]);
    }

    /// <summary>The network input size.</summary>
    public int Size { get; }

    /// <summary>Embeddings (count × 512) of count images given as bytes N×C×H×W, C = 1 or 3 (RGB).</summary>
    public float[] Embed(ReadOnlySpan<byte> pixels, int count, int channels, int height, int width)
    {
        int plane = height * width;
        var rgb = new float[count * 3 * plane];
        for (int n = 0; n < count; n++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < plane; i++)
                    rgb[(n * 3 + c) * plane + i] = pixels[(n * channels + (channels == 1 ? 0 : c)) * plane + i];
        var result = new float[count * ResNetFeatureExtractor.FeatureDim];
        int per = Size == 224 ? 1 : count; // the unchanged 224 graphs take one image per run
        for (int start = 0; start < count; start += per)
        {
            var images = rgb.AsSpan(start * 3 * plane, per * 3 * plane).ToArray();
            var resized = height == Size && width == Size ? images : Resize(images, per, height, width);
            var prepared = Run(_preprocess, _prepInput, _prepOutput, resized, [per, 3, Size, Size]);
            var features = Run(_network, _netInput, _netOutput, prepared, [per, 3, Size, Size]);
            features.CopyTo(result.AsSpan(start * ResNetFeatureExtractor.FeatureDim));
        }
        return result;
    }

    /// <summary>What the preprocessing graph outputs for the resized images (count × 3 × size²).</summary>
    public float[] Prepare(ReadOnlySpan<byte> pixels, int count, int channels, int height, int width)
    {
        int plane = height * width;
        var rgb = new float[count * 3 * plane];
        for (int n = 0; n < count; n++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < plane; i++)
                    rgb[(n * 3 + c) * plane + i] = pixels[(n * channels + (channels == 1 ? 0 : c)) * plane + i];
        var result = new float[count * 3 * Size * Size];
        int per = Size == 224 ? 1 : count;
        for (int start = 0; start < count; start += per)
        {
            var images = rgb.AsSpan(start * 3 * plane, per * 3 * plane).ToArray();
            var resized = height == Size && width == Size ? images : Resize(images, per, height, width);
            Run(_preprocess, _prepInput, _prepOutput, resized, [per, 3, Size, Size]).CopyTo(result.AsSpan(start * 3 * Size * Size));
        }
        return result;
    }

    private float[] Resize(float[] images, int count, int height, int width)
    {
        if (!_resizers.TryGetValue((count, height, width), out var session))
            _resizers[(count, height, width)] = session = new InferenceSession(OnnxWriter.Write(OnnxGraphEdits.ResizeModel(count, 3, height, width, Size)), _options);
        return Run(session, "X", "Y", images, [count, 3, height, width]);
    }

    private static float[] Run(InferenceSession session, string input, string output, float[] data, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input], [value], [output]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Closes the sessions.</summary>
    public void Dispose()
    {
        _preprocess.Dispose();
        _network.Dispose();
        foreach (var s in _resizers.Values) s.Dispose();
        _options.Dispose();
    }
}

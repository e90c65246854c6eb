using Flows.Tests.Data;
using Flows.Bench.Features;
using Flows.Core.Data;
using Flows.Core.Features;
using Flows.Core.Onnx;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Features;

/// <summary>
/// ResNet-18 embeddings of real images by our engine against ONNX Runtime running the same ONNX files as
/// the whole chain (resize, preprocessing graph, network; docs/FEATURES.md "Parity check"). The error is
/// max |ours − ort| / max |ort| over each image's 512 features, and the worst image must stay ≤ 1e-4.
/// The model files come with `dotnet restore`, so their absence fails; the images need FLOWS_DATA, which is
/// handled as RealDataTests handles it.
/// </summary>
[NonParallelizable]
public class ResNetParityTests
{
    private const int Images = 32;
    private string _dataDir = "";
    private ResNetModelFiles _files = null!;

    [OneTimeSetUp]
    public void FindFiles()
    {
        _files = ResNetModelFiles.Locate(); // throws with the fix when the package is missing: that is a failure, not a skip
        _dataDir = RealData.Folder();
    }

    private ImageDataset Load(string name) =>
        DatasetLoader.Load(name, DatasetSplit.Test, new DataOptions { DataDir = _dataDir, Offline = true }).Subset(Images);

    private static double WorstImageError(float[] ours, float[] ort)
    {
        double worst = 0;
        for (int n = 0; n < ort.Length / ResNetFeatureExtractor.FeatureDim; n++)
        {
            var range = new Range(n * ResNetFeatureExtractor.FeatureDim, (n + 1) * ResNetFeatureExtractor.FeatureDim);
            worst = Math.Max(worst, TinyModels.MaxRelativeError(ours.AsSpan(range), ort.AsSpan(range)));
        }
        return worst;
    }

    [TestCase("fashion-mnist", 32)]
    [TestCase("cifar10", 32)]
    [TestCase("fashion-mnist", 64)]
    [TestCase("cifar10", 64)]
    [TestCase("fashion-mnist", 224)]
    [TestCase("cifar10", 224)]
    public void EmbeddingsMatchOnnxRuntimeOnTheWholeChain(string name, int size)
    {
        var set = Load(name);
        using var backend = new ManagedCpuBackend();
        using var ours = ResNetFeatureExtractor.Load(backend, new ResNetFeatureOptions { InputSize = size, BatchSize = 16 });
        int done = 0;
        var features = ours.Extract(set, d => done = d);
        using var ort = new OrtFeatureChain(_files, size, threads: 2);
        var reference = ort.Embed(set.CopyPixels(), set.Count, set.Channels, set.Height, set.Width);

        double error = WorstImageError(features.Values, reference);
        TestContext.Out.WriteLine($"{name} at {size}: worst per-image max relative error {error:E2}");
        Assert.That((features.Count, features.Dim, done), Is.EqualTo((Images, 512, Images)));
        Assert.That(features.Labels, Is.EqualTo(set.Labels));
        Assert.That(error, Is.LessThanOrEqualTo(1e-4));
        Assert.That(reference.Distinct().Count(), Is.GreaterThan(1000), "the embeddings are not constant");
    }

    [TestCase("fashion-mnist", 64)]
    [TestCase("cifar10", 224)]
    public void PreprocessingMatchesThePreprocessGraph(string name, int size)
    {
        var set = Load(name).Subset(4);
        using var backend = new ManagedCpuBackend();
        using var ours = ResNetFeatureExtractor.Load(backend, new ResNetFeatureOptions { InputSize = size });
        var prepared = new float[4 * 3 * size * size];
        ours.Prepare(set.CopyPixels(), 4, set.Channels, set.Height, set.Width, prepared);
        using var ort = new OrtFeatureChain(_files, size, threads: 2);
        var reference = ort.Prepare(set.CopyPixels(), 4, set.Channels, set.Height, set.Width);
        Assert.That(TinyModels.MaxRelativeError(prepared, reference), Is.LessThan(1e-5));
    }

    [Test]
    public void FoldedNetworkMatchesTheUnfoldedInterpretation()
    {
        var set = Load("cifar10").Subset(8);
        using var backend = new ManagedCpuBackend();
        using var folded = ResNetFeatureExtractor.Load(backend, new ResNetFeatureOptions { InputSize = 64 });
        using var unfolded = ResNetFeatureExtractor.Load(backend, new ResNetFeatureOptions { InputSize = 64, FoldBatchNorm = false });
        Assert.That(folded.Network.StepNames.Count(s => s == "Conv+BatchNormalization"), Is.EqualTo(22));
        Assert.That(unfolded.Network.StepNames.Count(s => s == "BatchNormalization"), Is.EqualTo(22));
        Assert.That(WorstImageError(folded.Extract(set).Values, unfolded.Extract(set).Values), Is.LessThan(1e-5));
    }

    [Test]
    public void TheShippedGraphsAreWhatDocsFeaturesDescribes()
    {
        var resnet = OnnxModel.Load(_files.ResNetPath).Graph;
        Assert.That(resnet.OpCounts, Is.EquivalentTo(new Dictionary<string, int>
        {
            ["Conv"] = 22, ["BatchNormalization"] = 22, ["Relu"] = 19, ["Add"] = 9, ["MaxPool"] = 1, ["AveragePool"] = 1,
        }));
        Assert.That(resnet.Initializers, Has.Count.EqualTo(110));
        Assert.That(resnet.RuntimeInputs.Single().Dims, Is.EqualTo(new long[] { 1, 3, 224, 224 }));
        Assert.That(resnet.Outputs.Single().Dims, Is.EqualTo(new long[] { 1, 512, 1, 1 }));
        var prep = ResNetPreprocessing.FromGraph(OnnxModel.Load(_files.PreprocessPath).Graph);
        Assert.That(prep.ChannelOrder, Is.EqualTo(new[] { 2, 1, 0 }), "RGB → BGR");
        Assert.That((prep.MeanHeight, prep.MeanWidth, prep.MeanIsPerChannelConstant), Is.EqualTo((224, 224, false)));
    }
}

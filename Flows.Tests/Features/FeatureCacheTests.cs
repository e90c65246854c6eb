using Flows.Core.Data;
using Flows.Core.Features;
using Flows.Tests.Data;
using Flows.Tests.Training;

namespace Flows.Tests.Features;

/// <summary>The embeddings cache: reused only under the same key, recomputed after any change, never trusted when damaged.</summary>
public sealed class FeatureCacheTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static VectorDataset Vectors(float value) => new("v", [value, value + 1, value + 2, value + 3], [0, 1], 2);

    [Test]
    public void TheKeyChangesWithTheExtractorAndWithAnyPixelOrLabel()
    {
        var images = SyntheticImages.Blobs("blobs", 4, 8, seed: 1);
        string key = FeatureCache.Key("resnet18 size 64", images);
        Assert.That(FeatureCache.Key("resnet18 size 64", images), Is.EqualTo(key));
        Assert.That(FeatureCache.Key("resnet18 size 32", images), Is.Not.EqualTo(key), "another input size");
        var pixels = images.CopyPixels();
        pixels[17] ^= 1;
        Assert.That(FeatureCache.Key("resnet18 size 64", new ImageDataset("blobs", pixels, images.Labels, 1, 8, 8)), Is.Not.EqualTo(key), "one pixel");
        var labels = (int[])images.Labels.Clone();
        labels[0] = 9;
        Assert.That(FeatureCache.Key("resnet18 size 64", new ImageDataset("blobs", images.CopyPixels(), labels, 1, 8, 8)), Is.Not.EqualTo(key), "one label");
        Assert.That(FeatureCache.Key("resnet18 size 64", images.Subset(3)), Is.Not.EqualTo(key), "fewer images");
    }

    [Test]
    public void AFreshCacheIsReusedAndAStaleOrDamagedOneIsRecomputed()
    {
        string path = FeatureCache.PathFor(_dir.Path, "fashionmnist", DatasetSplit.Test);
        Assert.That(Path.GetFileName(path), Is.EqualTo("fashionmnist_features_test.npz"));
        int computed = 0;
        VectorDataset Compute(float v) { computed++; return Vectors(v); }

        var (first, cached) = FeatureCache.GetOrCompute(path, "key A", "set", () => Compute(1));
        Assert.That((cached, computed), Is.EqualTo((false, 1)));
        var (again, cachedAgain) = FeatureCache.GetOrCompute(path, "key A", "set", () => Compute(5));
        Assert.That((cachedAgain, computed), Is.EqualTo((true, 1)));
        Assert.That(again.Values, Is.EqualTo(first.Values));

        var (stale, cachedStale) = FeatureCache.GetOrCompute(path, "key B", "set", () => Compute(7));
        Assert.That((cachedStale, computed, stale.Values[0]), Is.EqualTo((false, 2, 7f)), "another key recomputes");

        File.WriteAllBytes(path, [1, 2, 3]);
        var (repaired, cachedDamaged) = FeatureCache.GetOrCompute(path, "key B", "set", () => Compute(9));
        Assert.That((cachedDamaged, computed, repaired.Values[0]), Is.EqualTo((false, 3, 9f)), "a damaged file is a miss");
        Assert.That(FeatureCache.IsFresh(path, "key B"), Is.True);
        Assert.That(VectorFile.Load(path).Values[0], Is.EqualTo(9f));
    }

    [Test]
    public void TheSpecOfACachedSetLoadsBothSplits()
    {
        string dir = _dir.Path;
        VectorFile.Save(FeatureCache.PathFor(dir, "cifar10", DatasetSplit.Train), Vectors(1));
        VectorFile.Save(FeatureCache.PathFor(dir, "cifar10", DatasetSplit.Test), Vectors(4));
        string spec = FeatureCache.SpecFor(dir, "cifar10");
        var train = FlowDataLoader.Load(spec, DatasetSplit.Train, new DataOptions { Offline = true });
        var test = FlowDataLoader.Load(spec, DatasetSplit.Test, new DataOptions { Offline = true });
        Assert.That((train.Name, test.Name), Is.EqualTo(("cifar10/train", "cifar10/test")));
        Assert.That((train.IsImages, train.SampleShape[0]), Is.EqualTo((false, 2)));
        Assert.That(test.Vectors!.Values[0], Is.EqualTo(4f));
    }
}

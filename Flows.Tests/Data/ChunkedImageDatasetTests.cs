using Flows.Core.Data;
using Flows.Core.Features;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Data;

/// <summary>
/// ImageDataset over several pixel chunks (the 15.7 GB ImageNet 64x64 train split, docs/MODELS.md §3.1) reads
/// exactly as the same images in one array: tiny images and chunks of 3 so that every path crosses a boundary.
/// </summary>
public sealed class ChunkedImageDatasetTests
{
    private const int Images = 10, PerChunk = 3;
    private static readonly int[] Labels = Enumerable.Range(0, Images).Select(i => i % 4).ToArray();

    // 10 images of 2x2x3 bytes: one array, and the same bytes in chunks of 3, 3, 3, 1 images.
    private static (ImageDataset One, ImageDataset Chunked, byte[] Pixels) Pair()
    {
        var pixels = DataFiles.Pattern(Images * 12, seed: 5);
        var writer = new ImagePixelWriter(12, PerChunk);
        writer.Append(pixels.AsSpan(0, 4 * 12));      // ends inside chunk 2
        writer.Append(pixels.AsSpan(4 * 12, 5 * 12)); // fills it and chunk 3
        writer.Append(pixels.AsSpan(9 * 12), last: true);
        return (new ImageDataset("one", pixels, Labels, 2, 2, 3), writer.ToDataset("chunked", (int[])Labels.Clone(), 2, 2, 3, null), pixels);
    }

    [Test]
    public void TheChunksHoldWholeImagesAndTheLastIsSizedExactly()
    {
        var (one, chunked, _) = Pair();
        Assert.That(chunked.PixelChunks.Select(c => c.Length), Is.EqualTo(new[] { 36, 36, 36, 12 }));
        Assert.That(one.PixelChunks.Count(), Is.EqualTo(1));
        Assert.That(chunked.PixelBytes, Is.EqualTo(120L));
    }

    [Test]
    public void EveryImageAndEveryRangeReadsAsFromOneArray()
    {
        var (one, chunked, pixels) = Pair();
        for (int i = 0; i < Images; i++)
            Assert.That(chunked.Image(i).ToArray(), Is.EqualTo(one.Image(i).ToArray()), $"image {i}");
        for (int start = 0; start < Images; start++)
            for (int count = 0; start + count <= Images; count++)
            {
                var got = new byte[count * 12];
                chunked.CopyImages(start, count, got);
                Assert.That(got, Is.EqualTo(pixels.AsSpan(start * 12, count * 12).ToArray()), $"images {start}+{count}");
                Assert.That(chunked.Take(start, count).CopyPixels(), Is.EqualTo(got));
            }
        Assert.That(chunked.CopyPixels(), Is.EqualTo(pixels));
        Assert.That(chunked.Subset(7).CopyPixels(), Is.EqualTo(one.Subset(7).CopyPixels()));
        Assert.That(() => chunked.Image(Images), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => chunked.CopyImages(8, 3, new byte[36]), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => chunked.CopyImages(0, 2, new byte[23]), Throws.ArgumentException);
    }

    [Test]
    public void ShuffledBatchesAreTheSameTensorsAsFromOneArray()
    {
        var (one, chunked, _) = Pair();
        using var backend = new ManagedCpuBackend();
        int[] order = [9, 2, 3, 0, 6, 5, 8, 1, 4, 7];
        for (int at = 0; at < Images; at += 4)
        {
            var indices = order.AsSpan(at, Math.Min(4, Images - at));
            using var a = ImageBatch.Load(backend, one, indices);
            using var b = ImageBatch.Load(backend, chunked, indices);
            Assert.That(b.ToArray(), Is.EqualTo(a.ToArray()), $"batch at {at}");
        }
        using var r1 = ImageBatch.Range(backend, one, 2, 6);
        using var r2 = ImageBatch.Range(backend, chunked, 2, 6);
        Assert.That(r2.ToArray(), Is.EqualTo(r1.ToArray()));
    }

    [Test]
    public void TheFeatureCacheKeyAndThePaddedCopyDoNotSeeTheChunks()
    {
        var (one, chunked, _) = Pair();
        Assert.That(FeatureCache.Key("x", chunked).Replace("chunked", "one"), Is.EqualTo(FeatureCache.Key("x", one)));
        var padded1 = ImageDatasetTransforms.ReplicateAndPad(one, 2, 4, 5);
        var padded2 = ImageDatasetTransforms.ReplicateAndPad(chunked, 2, 4, 5);
        Assert.That(padded2.CopyPixels(), Is.EqualTo(padded1.CopyPixels()));
    }

    [Test]
    public void TheWholeSetSharesItsPixelsAndAPartIsACopy()
    {
        var (_, chunked, _) = Pair();
        var all = chunked.Take(0, Images);
        Assert.That(all.PixelChunks.Select(c => c.Length), Is.EqualTo(new[] { 36, 36, 36, 12 }));
        Assert.That(all.Labels, Is.Not.SameAs(chunked.Labels), "labels are the new set's own");
        var renamed = chunked.Renamed("other");
        Assert.That((renamed.Name, renamed.Count, renamed.Image(4).ToArray()), Is.EqualTo(("other", Images, chunked.Image(4).ToArray())));
        Assert.That(chunked.Take(2, 5).PixelChunks.Count(), Is.EqualTo(1), "a small part fits one default chunk");
    }

    [Test]
    public void AWriterNotToldTheLastAppendTrimsItsLastChunk()
    {
        var writer = new ImagePixelWriter(4, 3);
        writer.Append(new byte[] { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4 });
        var set = writer.ToDataset("w", [0, 1, 2, 3], 1, 2, 2, null);
        Assert.That(set.PixelChunks.Select(c => c.Length), Is.EqualTo(new[] { 12, 4 }));
        Assert.That(set.Image(3).ToArray(), Is.EqualTo(new byte[] { 4, 4, 4, 4 }));
    }

    [Test]
    public void PartImagesAndAppendsAfterTheLastAreRefused()
    {
        var writer = new ImagePixelWriter(4, 3);
        Assert.That(() => writer.Append(new byte[6]), Throws.ArgumentException);
        writer.Append(new byte[4], last: true);
        Assert.That(() => writer.Append(new byte[4]), Throws.InvalidOperationException);
    }

    [Test]
    public void ChunksOfTheWrongSizeAreRefused()
    {
        Assert.That(() => new ImageDataset("x", [new byte[8], new byte[8]], 3, [0, 0, 0, 0], 1, 2, 2), Throws.ArgumentException.With.Message.Contains("chunk 0"));
        Assert.That(() => new ImageDataset("x", [new byte[12], new byte[16]], 3, new int[7], 1, 2, 2), Throws.ArgumentException.With.Message.Contains("last pixel chunk"));
        Assert.That(() => new ImageDataset("x", [new byte[12]], 3, new int[4], 1, 2, 2), Throws.ArgumentException.With.Message.Contains("4 labels"));
    }
}

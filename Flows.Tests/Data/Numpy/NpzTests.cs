using System.IO.Compression;
using Flows.Core.Data;
using Flows.Core.Data.Numpy;
using static Flows.Tests.Data.Numpy.NpyBytes;

namespace Flows.Tests.Data.Numpy;

public class NpzTests
{
    private static byte[] Archive(bool compressed)
    {
        using var stream = new MemoryStream();
        using (var npz = new NpzWriter(stream, compressed, leaveOpen: true))
        {
            npz.Write("embeddings", new float[600], [200, 3]);
            npz.Write("labels", Enumerable.Range(0, 200).Select(i => (long)(i % 10)).ToArray(), [200]);
        }
        return stream.ToArray();
    }

    [TestCase(true)]
    [TestCase(false)]
    public void DeflatedAndStoredArchivesRoundTrip(bool compressed)
    {
        var bytes = Archive(compressed);
        using (var zip = new ZipArchive(new MemoryStream(bytes)))
        {
            Assert.That(zip.Entries.Select(e => e.FullName), Is.EqualTo(new[] { "embeddings.npy", "labels.npy" }), "numpy's entry names are KEY.npy");
            var e = zip.GetEntry("embeddings.npy")!;
            Assert.That(e.CompressedLength < e.Length, Is.EqualTo(compressed), "savez_compressed deflates, savez stores");
        }
        using var npz = new NpzReader(new MemoryStream(bytes), "x.npz");
        Assert.That(npz.Keys, Is.EqualTo(new[] { "embeddings", "labels" }));
        Assert.That(npz.ReadFloat32("embeddings").Shape, Is.EqualTo(new[] { 200, 3 }));
        Assert.That(npz.ReadInt32("labels").Data.Take(12), Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1 }));
    }

    [Test]
    public void TheSameArraysGiveTheSameBytes() => Assert.That(Archive(true), Is.EqualTo(Archive(true)));

    [Test]
    public void AMissingKeyNamesTheKeysPresent()
    {
        using var npz = new NpzReader(new MemoryStream(Archive(true)), "x.npz");
        Assert.That(() => npz.ReadFloat32("features"),
            Throws.TypeOf<DataException>().With.Message.EqualTo("x.npz: has no array 'features'; its keys are 'embeddings', 'labels'"));
    }

    [Test]
    public void ANonZipIsAClearError() =>
        Assert.That(() => new NpzReader(new MemoryStream(Build(1, Dict("<f4", "(1,)"), new byte[4])), "x.npz"),
            Throws.TypeOf<DataException>().With.Message.StartsWith("x.npz: not a readable .npz (zip) archive"));

    [TestCase(CompressionLevel.Optimal)]
    [TestCase(CompressionLevel.NoCompression)]
    public void ATruncatedArrayInsideAnArchiveNamesTheKey(CompressionLevel level)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("embeddings.npy", level).Open();
            entry.Write(Build(1, Dict("<f4", "(100000000, 16)"), new byte[64]));
        }
        using var npz = new NpzReader(new MemoryStream(stream.ToArray()), "x.npz");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(() => npz.ReadFloat32("embeddings"),
            Throws.TypeOf<DataException>().With.Message.StartsWith("x.npz[embeddings]: ").And.Message.Contains("only 64 are present"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16L << 20), "the 6.4 GB claim allocates nothing of its size");
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Flows.Core.Data;

namespace Flows.Tests.Data;

public class DatasetDownloaderTests
{
    private static readonly byte[] Images = DataFiles.Gzip(DataFiles.IdxImages(3, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    private static readonly byte[] Labels = DataFiles.Gzip(DataFiles.IdxLabels([4, 5, 6]));

    private static DatasetFile FileOf(string name, byte[] content, string url) =>
        new(name, DatasetSplit.Test, content.Length, Convert.ToHexStringLower(MD5.HashData(content)),
            Convert.ToHexStringLower(SHA256.HashData(content)), url);

    // A registry-style entry whose files live on the loopback server.
    private static DatasetInfo Tiny(LoopbackServer server, byte[]? expectedImages = null) =>
        new("tiny", "Tiny IDX", [], "tiny", DatasetFormat.Idx, 1, 2, 2, null, 3,
        [
            FileOf("t10k-images-idx3-ubyte.gz", expectedImages ?? Images, server.Url("t10k-images-idx3-ubyte.gz")),
            FileOf("t10k-labels-idx1-ubyte.gz", Labels, server.Url("t10k-labels-idx1-ubyte.gz")),
        ], "http://example.invalid/");

    [Test]
    public void MissingFilesAreDownloadedVerifiedAndLoaded()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("t10k-images-idx3-ubyte.gz", Images);
        server.Add("t10k-labels-idx1-ubyte.gz", Labels);
        var reports = new List<(long done, long? total)>();
        var options = new DataOptions { DataDir = dir.Path, Progress = new SyncProgress(reports.Add) };

        var set = DatasetLoader.Load(Tiny(server), DatasetSplit.Test, options);
        int requests = server.Requests;
        var again = DatasetLoader.Load(Tiny(server), DatasetSplit.Test, options);

        Assert.That(set.Labels, Is.EqualTo(new[] { 4, 5, 6 }));
        Assert.That(set.Image(2).ToArray(), Is.EqualTo(new byte[] { 9, 10, 11, 12 }));
        Assert.That(dir.AllFiles().Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" }));
        Assert.That(reports, Does.Contain(((long)Images.Length, (long?)Images.Length)));
        Assert.That(requests, Is.EqualTo(2));
        Assert.That(server.Requests, Is.EqualTo(2), "present files are not fetched again");
        Assert.That(again.Count, Is.EqualTo(3));
    }

    [Test]
    public void AChecksumMismatchDeletesTheDownload()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        var forged = (byte[])Images.Clone();
        forged[^5] ^= 0xFF;
        server.Add("t10k-images-idx3-ubyte.gz", forged);
        server.Add("t10k-labels-idx1-ubyte.gz", Labels);

        Assert.That(() => DatasetDownloader.EnsureAsync(Tiny(server), DatasetSplit.Test, new DataOptions { DataDir = dir.Path }).GetAwaiter().GetResult(),
            Throws.TypeOf<DataException>().With.Message.Contains("checksum mismatch").And.Message.Contains("sha256"));
        Assert.That(dir.AllFiles(), Is.Empty, "neither the bad file nor a temporary file is left");
    }

    [Test]
    public void AConnectionDroppedMidwayLeavesNothingBehind()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        var big = DataFiles.Pattern(300_000);
        server.Add("t10k-images-idx3-ubyte.gz", big, LoopbackServer.Behaviour.DropHalfway);

        var error = Assert.Throws<DataException>(() =>
            DatasetDownloader.EnsureAsync(Tiny(server, big), DatasetSplit.Test, new DataOptions { DataDir = dir.Path }).GetAwaiter().GetResult());

        Assert.That(error!.Message, Does.Contain("broke off").Or.Contain("closed after"));
        Assert.That(error.Message, Does.Contain(Path.Combine(dir.Path, "tiny", "t10k-images-idx3-ubyte.gz")), "says where to put the file by hand");
        Assert.That(dir.AllFiles(), Is.Empty);
    }

    [Test]
    public void AStalledDownloadTimesOut()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("t10k-images-idx3-ubyte.gz", Images, LoopbackServer.Behaviour.Stall);
        var options = new DataOptions { DataDir = dir.Path, HttpTimeout = TimeSpan.FromSeconds(1) };

        Assert.That(() => DatasetDownloader.EnsureAsync(Tiny(server), DatasetSplit.Test, options).GetAwaiter().GetResult(),
            Throws.TypeOf<DataException>().With.Message.Contains("did not answer within 1 s"));
        Assert.That(dir.AllFiles(), Is.Empty);
    }

    [Test]
    public void OfflineModeNamesEachFileItsPlaceAndItsSourceInOneMessage()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();

        var error = Assert.Throws<DataException>(() =>
            DatasetLoader.Load(Tiny(server), DatasetSplit.Test, new DataOptions { DataDir = dir.Path, Offline = true }));

        Assert.That(error!.Message, Does.Contain("offline"));
        Assert.That(error.Message, Does.Contain(Path.Combine(dir.Path, "tiny", "t10k-images-idx3-ubyte.gz")));
        Assert.That(error.Message, Does.Contain(Path.Combine(dir.Path, "tiny", "t10k-labels-idx1-ubyte.gz")));
        Assert.That(error.Message, Does.Contain(server.Url("t10k-labels-idx1-ubyte.gz")));
        Assert.That(error.Message, Does.Not.Contain("\n"));
        Assert.That(server.Requests, Is.EqualTo(0));
    }

    [Test]
    public void AnUnreachableServerGivesTheSameKindOfMessage()
    {
        using var dir = new TempFolder();
        var nobody = new Uri($"http://127.0.0.1:{LoopbackServer.FreePort()}/");
        var info = new DatasetInfo("tiny", "Tiny", [], "tiny", DatasetFormat.Idx, 1, 2, 2, null, 3,
            [FileOf("t10k-images-idx3-ubyte.gz", Images, new Uri(nobody, "t10k-images-idx3-ubyte.gz").ToString())], "http://example.invalid/");

        var error = Assert.Throws<DataException>(() =>
            DatasetDownloader.EnsureAsync(info, null, new DataOptions { DataDir = dir.Path, HttpTimeout = TimeSpan.FromSeconds(5) }).GetAwaiter().GetResult());

        Assert.That(error!.Message, Does.Contain("unreachable"));
        Assert.That(error.Message, Does.Contain(Path.Combine(dir.Path, "tiny", "t10k-images-idx3-ubyte.gz")));
        Assert.That(dir.AllFiles(), Is.Empty);
    }

    [Test]
    public void AMirrorReplacesTheCanonicalHostForRegisteredSets()
    {
        // notMNIST's registered size and checksums cannot match this stand-in body, so the download is refused.
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("t10k-images-idx3-ubyte.gz", Images);
        server.Add("t10k-labels-idx1-ubyte.gz", Labels);
        var options = new DataOptions { DataDir = dir.Path, MirrorBaseAddress = server.BaseAddress };

        Assert.That(() => DatasetLoader.Load("notmnist", DatasetSplit.Test, options),
            Throws.TypeOf<DataException>().With.Message.Contains(server.Url("t10k-images-idx3-ubyte.gz")).And.Message.Contains("3172375"));
        Assert.That(server.Requests, Is.EqualTo(1));
        Assert.That(dir.AllFiles(), Is.Empty);
    }

    [Test]
    public void ArchiveMembersAreExtractedAndTheArchiveRemoved()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        var train = DataFiles.Cifar([[1], [2]], DataFiles.Pattern(2 * 3072));
        var test = DataFiles.Cifar([[9]], DataFiles.Pattern(3072, seed: 1));
        var archive = TarGz(("batches/data_batch_1.bin", train), ("batches/readme.html", "hi"u8.ToArray()), ("batches/test_batch.bin", test));
        server.Add("c.tar.gz", archive);
        var info = new DatasetInfo("c10", "CIFAR-like", [], "c10", DatasetFormat.Cifar10, 3, 32, 32, 2, 1,
        [
            new DatasetFile("data_batch_1.bin", DatasetSplit.Train, train.Length, null, null, null),
            new DatasetFile("test_batch.bin", DatasetSplit.Test, test.Length, null, null, null),
        ], "http://example.invalid/")
        {
            Archive = new DatasetArchive("c.tar.gz", server.Url("c.tar.gz"), archive.Length, Convert.ToHexStringLower(MD5.HashData(archive)), null, "batches"),
        };
        var log = new List<string>();
        var options = new DataOptions { DataDir = dir.Path, Log = log.Add };

        DatasetDownloader.EnsureAsync(info, null, options).GetAwaiter().GetResult();
        var set = DatasetLoader.Load(info, DatasetSplit.Test, options);

        Assert.That(dir.AllFiles().Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "data_batch_1.bin", "test_batch.bin" }));
        Assert.That(set.Labels, Is.EqualTo(new[] { 9 }));
        Assert.That(log, Has.Some.Contains("extracted"));
    }

    [Test]
    public void ManualDataSetsExplainWhereToPutThem()
    {
        using var dir = new TempFolder();

        var error = Assert.Throws<DataException>(() => DatasetLoader.Load("celeba", DatasetSplit.Test, new DataOptions { DataDir = dir.Path }));

        Assert.That(error!.Message, Does.Contain(Path.Combine(dir.Path, "celeba", "img_align_celeba")));
        Assert.That(error.Message, Does.Contain("list_eval_partition.txt"));
    }

    private static byte[] TarGz(params (string Name, byte[] Content)[] entries)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, content) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        }
        return output.ToArray();
    }

    // Progress<T> posts to the thread pool; the tests want every report, in order, before the call returns.
    private sealed class SyncProgress(Action<(long, long?)> report) : IProgress<(long done, long? total)>
    {
        public void Report((long done, long? total) value) => report(value);
    }
}

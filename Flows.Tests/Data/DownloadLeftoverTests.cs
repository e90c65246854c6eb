using System.Security.Cryptography;
using Flows.Core.Checkpoints;
using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>A download killed mid-way (kill -9) leaves its .part file; the next download of that file removes it.</summary>
public class DownloadLeftoverTests
{
    private static readonly byte[] Content = DataFiles.Pattern(10_000);

    private static DatasetFile Expected(string name) =>
        new(name, DatasetSplit.Test, Content.Length, Convert.ToHexStringLower(MD5.HashData(Content)),
            Convert.ToHexStringLower(SHA256.HashData(Content)), "http://example.invalid/" + name);

    private static string PartFile(string folder, string name, TimeSpan age)
    {
        var path = Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.part");
        File.WriteAllBytes(path, Content.AsSpan(0, 3000).ToArray());
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    [Test]
    public void AStalePartFileOfTheFetchedFileIsRemovedAndTheDownloadStartsAfresh()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("a.bin", Content);
        string stale = PartFile(dir.Path, "a.bin", DatasetDownloader.StalePartAfter + TimeSpan.FromMinutes(1));
        var log = new List<string>();

        DatasetDownloader.DownloadFileAsync(new Uri(server.Url("a.bin")), dir.File("a.bin"), Expected("a.bin"),
            new DataOptions { DataDir = dir.Path, Log = log.Add }).GetAwaiter().GetResult();

        Assert.That(File.ReadAllBytes(dir.File("a.bin")), Is.EqualTo(Content));
        Assert.That(File.Exists(stale), Is.False);
        Assert.That(dir.AllFiles().Select(Path.GetFileName), Is.EqualTo(new[] { "a.bin" }));
        Assert.That(log, Has.Some.Contains(stale).And.Contains("interrupted download"));
    }

    [Test]
    public void AFailedDownloadStillRemovesTheStaleLeftover()
    {
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("a.bin", Content, LoopbackServer.Behaviour.DropHalfway);
        string stale = PartFile(dir.Path, "a.bin", TimeSpan.FromDays(2));

        Assert.That(() => DatasetDownloader.DownloadFileAsync(new Uri(server.Url("a.bin")), dir.File("a.bin"), Expected("a.bin"),
            new DataOptions { DataDir = dir.Path }).GetAwaiter().GetResult(), Throws.TypeOf<DataException>());

        Assert.That(dir.AllFiles(), Is.Empty);
    }

    [Test]
    public void ARecentPartFileAndOtherFilesLeftoversAreLeftAlone()
    {
        // A recent .part may be another process's download of the same file, still streaming.
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("a.bin", Content);
        string live = PartFile(dir.Path, "a.bin", TimeSpan.FromSeconds(30));
        string other = PartFile(dir.Path, "b.bin", TimeSpan.FromDays(2));

        DatasetDownloader.DownloadFileAsync(new Uri(server.Url("a.bin")), dir.File("a.bin"), Expected("a.bin"),
            new DataOptions { DataDir = dir.Path }).GetAwaiter().GetResult();

        Assert.That(File.Exists(live), Is.True);
        Assert.That(File.Exists(other), Is.True);
    }

    [Test]
    public void TheThresholdIsAtLeastTwiceTheHttpTimeout()
    {
        // A live download writes at least once per HTTP timeout, so a slower one is never taken for a leftover.
        using var server = new LoopbackServer();
        using var dir = new TempFolder();
        server.Add("a.bin", Content);
        var timeout = TimeSpan.FromMinutes(30);
        string slow = PartFile(dir.Path, "a.bin", 2 * timeout - TimeSpan.FromMinutes(5));
        Assert.That(2 * timeout - TimeSpan.FromMinutes(5), Is.GreaterThan(DatasetDownloader.StalePartAfter));

        DatasetDownloader.DownloadFileAsync(new Uri(server.Url("a.bin")), dir.File("a.bin"), Expected("a.bin"),
            new DataOptions { DataDir = dir.Path, HttpTimeout = timeout }).GetAwaiter().GetResult();

        Assert.That(File.Exists(slow), Is.True);
        Assert.That(AtomicFile.IsTemporaryFileName(Path.GetFileName(slow)), Is.False, "a .part is not an AtomicFile temporary");
    }
}

using System.Security.Cryptography;
using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>
/// The real data sets in FLOWS_DATA (CI points it at ../shared/data): counts, labels and checksums as the
/// folder's MANIFEST.md states them. Without FLOWS_DATA these tests are ignored, with the reason.
/// </summary>
[NonParallelizable]
public class RealDataTests
{
    private string _dataDir = "";

    [OneTimeSetUp]
    public void FindData()
    {
        _dataDir = RealData.Folder();
    }

    private DataOptions Offline(List<string>? log = null) => new() { DataDir = _dataDir, Offline = true, Log = log is null ? null : log.Add };

    [TestCase("fashion-mnist", DatasetSplit.Train, 60000)]
    [TestCase("fashion-mnist", DatasetSplit.Test, 10000)]
    [TestCase("mnist", DatasetSplit.Train, 60000)]
    [TestCase("mnist", DatasetSplit.Test, 10000)]
    [TestCase("notmnist", DatasetSplit.Test, 10000)]
    public void MnistLikeSetsHaveTheirCountsAndBalancedLabels(string name, DatasetSplit split, int count)
    {
        var set = DatasetLoader.Load(name, split, Offline());

        Assert.That((set.Count, set.Channels, set.Height, set.Width), Is.EqualTo((count, 1, 28, 28)));
        var perClass = set.Labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => g.Count()).ToArray();
        Assert.That(perClass.Length, Is.EqualTo(10));
        if (name != "mnist")
            Assert.That(perClass, Is.All.EqualTo(count / 10), "Fashion-MNIST and this notMNIST sample are balanced");
        Assert.That(set.CopyPixels().Max(), Is.EqualTo(255));
    }

    [Test]
    public void MnistStartsWithTheKnownDigits() =>
        Assert.That(DatasetLoader.Load("mnist", DatasetSplit.Train, Offline()).Labels.Take(10), Is.EqualTo(new[] { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 }));

    [Test]
    public void TheMnistLikeFilesMatchTheirPublishedChecksums()
    {
        var results = DatasetVerifier.Verify(_dataDir, new[] { "mnist", "fashionmnist", "notmnist" }.Select(DatasetRegistry.Get));

        Assert.That(results, Has.Count.EqualTo(10));
        Assert.That(results.Where(r => r.Status != FileStatus.Ok), Is.Empty);
    }

    [Test]
    public void Cifar10TestUsesTheFirst1000StandInAndSaysSo()
    {
        var log = new List<string>();

        var set = DatasetLoader.Load("cifar10", DatasetSplit.Test, Offline(log));

        Assert.That((set.Count, set.Channels, set.Height, set.Width), Is.EqualTo((1000, 3, 32, 32)));
        Assert.That(set.Labels.Take(4), Is.EqualTo(new[] { 3, 8, 8, 0 }), "cat, ship, ship, airplane");
        Assert.That(log, Has.One.Contains("test_batch.first1000.bin"));
    }

    [Test]
    public void Cifar10TrainHasFiftyThousandImagesFiveThousandPerClass()
    {
        var set = DatasetLoader.Load("CIFAR-10", DatasetSplit.Train, Offline());

        Assert.That(set.Count, Is.EqualTo(50000));
        Assert.That(set.Labels.GroupBy(l => l).Select(g => g.Count()), Is.All.EqualTo(5000));
        Assert.That(set.Labels.Take(10000).Count(l => l == 0), Is.EqualTo(1005), "data_batch_1 has 1005 airplanes");
    }

    [TestCase("cifar10/data_batch_1.bin", "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5")]
    [TestCase("cifar10/test_batch.first1000.bin", "8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5")]
    public void CifarFilesMatchTheManifest(string file, string sha256)
    {
        using var stream = File.OpenRead(Path.Combine(_dataDir, file));

        Assert.That(Convert.ToHexStringLower(SHA256.HashData(stream)), Is.EqualTo(sha256));
    }

    [Test]
    public void DataBatch1MatchesTheMd5OfTheOfficialExtractedFile()
    {
        var info = DatasetRegistry.Get("cifar10");

        var check = DatasetVerifier.VerifyFile(info, info.Files[0], Path.Combine(_dataDir, info.Folder));

        Assert.That(check.Status, Is.EqualTo(FileStatus.Ok), check.ToString());
    }
}

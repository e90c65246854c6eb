using System.Security.Cryptography;
using Flows.Core.Data;

namespace Flows.Tests.Data;

public class DatasetVerifierTests
{
    [Test]
    public void EachFileIsReportedOkMissingOrBad()
    {
        using var dir = new TempFolder();
        byte[] good = [1, 2, 3], bad = [9, 9, 9];
        DatasetFile Entry(string name, byte[] content, DatasetSplit split) =>
            new(name, split, content.Length, Convert.ToHexStringLower(MD5.HashData(content)), Convert.ToHexStringLower(SHA256.HashData(content)), "http://example.invalid/" + name);
        var info = new DatasetInfo("v", "V", [], "v", DatasetFormat.Idx, 1, 1, 1, 1, 1,
        [
            Entry("good", good, DatasetSplit.Train),
            Entry("bad", good, DatasetSplit.Train),
            Entry("short", good, DatasetSplit.Test),
            Entry("absent", good, DatasetSplit.Test),
            new DatasetFile("unchecked", DatasetSplit.Test, null, null, null, "http://example.invalid/u"),
        ], "http://example.invalid/");
        Directory.CreateDirectory(dir.File("v"));
        File.WriteAllBytes(dir.File("v/good"), good);
        File.WriteAllBytes(dir.File("v/bad"), bad);
        File.WriteAllBytes(dir.File("v/short"), [1]);
        File.WriteAllBytes(dir.File("v/unchecked"), [5]);

        var results = DatasetVerifier.Verify(dir.Path, [info]).ToDictionary(r => r.File, r => r.Status);

        Assert.That(results["good"], Is.EqualTo(FileStatus.Ok));
        Assert.That(results["bad"], Is.EqualTo(FileStatus.ChecksumMismatch));
        Assert.That(results["short"], Is.EqualTo(FileStatus.SizeMismatch));
        Assert.That(results["absent"], Is.EqualTo(FileStatus.Missing));
        Assert.That(results["unchecked"], Is.EqualTo(FileStatus.PresentUnchecked));
    }

    [Test]
    public void AStandInIsCheckedInPlaceOfTheAbsentFileAndNamed()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("cifar10"));
        File.WriteAllBytes(dir.File("cifar10/test_batch.first1000.bin"), new byte[3073000]);

        var check = DatasetVerifier.Verify(dir.Path, [DatasetRegistry.Get("cifar10")]).Single(r => r.File.StartsWith("test_batch", StringComparison.Ordinal));

        Assert.That(check.Status, Is.EqualTo(FileStatus.ChecksumMismatch), "zeros are not the real first 1000 test images");
        Assert.That(check.Detail, Does.Contain("stand-in for absent test_batch.bin"));
    }

    [Test]
    public void WithoutChecksumsOnlyPresenceAndSizeAreChecked()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("notmnist"));
        File.WriteAllBytes(dir.File("notmnist/t10k-labels-idx1-ubyte.gz"), new byte[5118]);

        var results = DatasetVerifier.Verify(dir.Path, [DatasetRegistry.Get("notmnist")], checksums: false);

        Assert.That(results.Select(r => r.Status), Is.EqualTo(new[] { FileStatus.Missing, FileStatus.PresentUnchecked }));
    }
}

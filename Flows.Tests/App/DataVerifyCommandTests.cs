using Flows.Tests.Data;

namespace Flows.Tests.App;

/// <summary>`data verify` without a name checks the sets that are present, and a set with a file missing is not verified.</summary>
[NonParallelizable]
public sealed class DataVerifyCommandTests
{
    [Test]
    public void ASetWithAFileMissingIsReportedByNameAndFails()
    {
        string real = Path.Combine(RealData.Folder(), "mnist");
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("mnist"));
        foreach (var name in new[] { "train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz" })
            File.Copy(Path.Combine(real, name), Path.Combine(dir.File("mnist"), name));

        var (code, output, error) = App.Run("data", "verify", "--data-dir", dir.Path);

        Assert.That(code, Is.EqualTo(3), output);
        Assert.That(output, Does.Not.Contain("all present files verified"));
        Assert.That(output, Does.Contain("mnist/t10k-images-idx3-ubyte.gz"));
        Assert.That(error.Trim(), Does.StartWith("error: ").And.Contain("missing").And.Contain("mnist/t10k-images-idx3-ubyte.gz"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void AWholeSetPresentVerifiesAndAbsentSetsAreNotBlamed()
    {
        string real = Path.Combine(RealData.Folder(), "mnist");
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("mnist"));
        foreach (var file in Directory.GetFiles(real))
            File.Copy(file, Path.Combine(dir.File("mnist"), Path.GetFileName(file)));

        var (code, output, _) = App.Run("data", "verify", "--data-dir", dir.Path);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("all present files verified"));
        Assert.That(output, Does.Not.Contain("fashionmnist"));
    }
}

using Flows.Core.Data;
using Flows.Tests.Data;
using Flows.Tests.Training;
using Flows.Training;

namespace Flows.Tests.App;

/// <summary>The negative-training and --perturb flags of 'flows train': mistakes end in one clear line.</summary>
[NonParallelizable]
public sealed class NegativeTrainingCommandTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static (int Code, string Err) Run(params string[] args)
    {
        var (code, _, err) = App.Run(args);
        return (code, err);
    }

    private static void AssertOneClearLine((int Code, string Err) result, string fragment)
    {
        Assert.That(result.Code, Is.EqualTo(2), result.Err);
        // Progress lines (device, data) may come first; the error is the one last line.
        var lines = result.Err.Trim().Split('\n');
        Assert.That(lines[^1], Does.StartWith("error: ").And.Contain(fragment));
        Assert.That(lines.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void NegativeValWithoutAnOodDatasetIsRefused() =>
        AssertOneClearLine(Run("train", "--negative-val", "-30000", "--steps", "1", "--out", _dir.File("a"), "--device", "cpu"), "--negative-val needs --ood-dataset");

    [TestCase("1.5")]
    [TestCase("-0.2")]
    public void APerturbationOutsideZeroToOneIsRefused(string mu) =>
        AssertOneClearLine(Run("train", "--perturb", mu, "--steps", "1", "--out", _dir.File("b"), "--device", "cpu"), "[0, 1]");

    [Test]
    public void PerturbingVectorsIsRefused()
    {
        VectorFile.Save(_dir.File("v_features_train.npz"), SyntheticVectors.Gaussian("v", 40, 4, 0, 1));
        VectorFile.Save(_dir.File("v_features_test.npz"), SyntheticVectors.Gaussian("v", 20, 4, 0, 2));
        AssertOneClearLine(Run("train", "--dataset", $"v={_dir.File("v_features_{split}.npz")}", "--perturb", "0.1", "--steps", "1",
            "--out", _dir.File("c"), "--device", "cpu"), "images only");
    }

    [Test]
    public void ResumeRefusesToChangeTheNegativeSettings() =>
        Assert.That(Run("train", "--resume", _dir.File("none.safetensors"), "--negative-val", "-5").Err, Does.Contain("drop --negative-val"));
}

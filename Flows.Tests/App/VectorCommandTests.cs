using System.Text.Json;
using Flows.Core.Data;
using Flows.Tests.Data;
using Flows.Tests.Data.Uci;
using Flows.Tests.Training;
using Flows.Training;

namespace Flows.Tests.App;

/// <summary>train, ood and attribute on vectors from the command line: embeddings as .npz files and the UCI tasks.</summary>
[NonParallelizable]
public sealed class VectorCommandTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => App.Run(args);

    private string WriteSet(string name, float mean, int seed, int trainCount = 300, int testCount = 150)
    {
        VectorFile.Save(_dir.File($"{name}_features_train.npz"), SyntheticVectors.Gaussian(name, trainCount, 6, mean, seed));
        VectorFile.Save(_dir.File($"{name}_features_test.npz"), SyntheticVectors.Gaussian(name, testCount, 6, mean, seed + 100));
        return $"{name}={_dir.File($"{name}_features_{{split}}.npz")}";
    }

    [Test]
    public void TabularFlowTrainsOnNpzFeaturesAndItsOodAurocIsComputedEndToEnd()
    {
        string near = WriteSet("near", 0f, 1), far = WriteSet("far", 2.5f, 2);
        string run = _dir.File("run");
        var (code, output, error) = Run("train", "--dataset", near, "--hidden", "16", "--layers", "1", "--couplings", "4",
            "--steps", "60", "--batch", "32", "--lr", "3e-3", "--out", run, "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("train nats").And.Contain("test nats"));
        Assert.That(error, Does.Contain("model: tabular"), "vectors pick the tabular recipe by default");

        string checkpoint = Path.Combine(run, "checkpoint.safetensors");
        (code, output, error) = Run("ood", "--checkpoint", checkpoint, "--ood", far, "--out", _dir.File("ood"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        using var report = JsonDocument.Parse(File.ReadAllText(_dir.File("ood/report.json")));
        Assert.That(report.RootElement.GetProperty("data").GetString(), Is.EqualTo("vectors"));
        Assert.That(report.RootElement.GetProperty("auroc").GetProperty("far/test").GetDouble(), Is.GreaterThan(0.9));
        Assert.That(output, Does.Contain("NLL (nats)"));

        (code, output, error) = Run("attribute", "--checkpoint", checkpoint, "--ood", far, "--out", _dir.File("attr"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("coupling 1").And.Contain("prior z"));

        (code, output, error) = Run("sample", "--checkpoint", checkpoint, "--count", "5", "--out", _dir.File("samples.npz"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var samples = VectorFile.Load(_dir.File("samples.npz"));
        Assert.That((samples.Count, samples.Dim), Is.EqualTo((5, 6)));
        Assert.That(samples.Values.All(float.IsFinite), Is.True);
        (code, _, error) = Run("sample", "--checkpoint", checkpoint, "--out", _dir.File("samples.png"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("give --out a .npz path"));
    }

    [Test]
    public void VectorMistakesEndInOneClearLine()
    {
        string near = WriteSet("near", 0f, 1);
        var (code, _, error) = Run("train", "--dataset", near, "--model", "realnvp", "--steps", "1", "--out", _dir.File("a"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim().Split('\n')[^1], Does.StartWith("error: ").And.Contain("--model tabular"));

        (code, _, error) = Run("train", "--dataset", near, "--dim", "7", "--steps", "1", "--out", _dir.File("b"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim().Split('\n')[^1], Does.Contain("--dim 7 does not match").And.Contain("--dim 6"));

        (code, _, error) = Run("train", "--dataset", $"gone={_dir.File("gone_features_{split}.npz")}", "--steps", "1", "--out", _dir.File("c"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(3));
        Assert.That(error.Trim().Split('\n')[^1], Does.Contain("flows features"));

        File.WriteAllText(_dir.File("bad_features_train.npz"), "not a zip");
        (code, _, error) = Run("train", "--dataset", $"bad={_dir.File("bad_features_{split}.npz")}", "--steps", "1", "--out", _dir.File("d"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(3), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1).Or.Length.GreaterThan(0));
        Assert.That(error.Trim().Split('\n')[^1], Does.StartWith("error: ").And.Contain("bad_features_train.npz"));
    }

    [Test]
    public void UciTaskTrainsOnClassKAndScoresTheOtherClassWithClassKStatistics()
    {
        Directory.CreateDirectory(_dir.File("miniboone"));
        UciFiles.WriteMiniBooNE(_dir.File(Path.Combine("miniboone", "MiniBooNE_PID.txt")), nsignal: 220, nbackground: 200);
        string run = _dir.File("uci");
        var (code, output, error) = Run("train", "--dataset", "miniboone0", "--steps", "30", "--batch", "64", "--hidden", "32",
            "--data-dir", _dir.Path, "--offline", "--out", run, "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("model: tabular"));
        Assert.That(error, Does.Contain("miniboone0/train: 180 vectors of 50"), "the paper-uci recipe, 90% of class 0's 200 rows");

        (code, output, error) = Run("ood", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "--ood", "miniboone1",
            "--data-dir", _dir.Path, "--offline", "--out", _dir.File("uci-ood"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        using var report = JsonDocument.Parse(File.ReadAllText(_dir.File("uci-ood/report.json")));
        var counts = report.RootElement.GetProperty("counts");
        Assert.That(counts.GetProperty("miniboone0/test").GetInt32(), Is.EqualTo(20));
        Assert.That(counts.EnumerateObject().Count(), Is.EqualTo(2));
        double auroc = report.RootElement.GetProperty("auroc").EnumerateObject().Single().Value.GetDouble();
        Assert.That(auroc, Is.InRange(0.0, 1.0));
    }
}

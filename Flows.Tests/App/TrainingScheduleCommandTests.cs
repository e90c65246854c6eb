using System.Text.Json;
using Flows.Core.Data;
using Flows.Tests.Data;
using Flows.Tests.Training;

namespace Flows.Tests.App;

/// <summary>
/// The issue-16 options from the command line: --warmup/--schedule, --optimizer adamw, --save-every-epochs/--keep
/// (and ood/sample on an epoch checkpoint), sample --temperature, describe --json; bad values end in one line, exit 2.
/// </summary>
[NonParallelizable]
public sealed class TrainingScheduleCommandTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static void AssertOneLine((int Code, string Out, string Err) result, int code, params string[] fragments)
    {
        Assert.That(result.Code, Is.EqualTo(code), result.Err);
        var lines = result.Err.Trim().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1), result.Err);
        Assert.That(lines[0], Does.StartWith("error: "));
        foreach (var f in fragments) Assert.That(lines[0], Does.Contain(f));
    }

    private string WriteSet(string name, float mean, int seed)
    {
        VectorFile.Save(_dir.File($"{name}_features_train.npz"), SyntheticVectors.Gaussian(name, 96, 4, mean, seed));
        VectorFile.Save(_dir.File($"{name}_features_test.npz"), SyntheticVectors.Gaussian(name, 48, 4, mean, seed + 100));
        return $"{name}={_dir.File($"{name}_features_{{split}}.npz")}";
    }

    [TestCase(new[] { "--warmup", "-1" }, "--warmup must not be negative")]
    [TestCase(new[] { "--schedule", "linear" }, "--schedule must be one of constant, step, cosine, got 'linear'")]
    [TestCase(new[] { "--save-every-epochs", "1", "--keep", "0" }, "--keep must be at least 1")]
    [TestCase(new[] { "--save-every-epochs", "1", "--keep", "-2" }, "--keep must be at least 1")]
    [TestCase(new[] { "--keep", "2" }, "add --save-every-epochs K")]
    [TestCase(new[] { "--save-every-epochs", "-1" }, "--save-every-epochs must not be negative")]
    [TestCase(new[] { "--sample-temperature", "-1" }, "--sample-temperature must be a finite number >= 0")]
    [TestCase(new[] { "--optimizer", "sgd" }, "adam, adamw or rmsprop")]
    public void BadTrainingOptionsAreOneLineAndExitTwo(string[] options, string message) =>
        AssertOneLine(App.Run(["train", .. options, "--out", _dir.File("run"), "--device", "cpu"]), 2, message);

    [Test]
    public void ANegativeSampleTemperatureFailsBeforeTheCheckpointIsRead() =>
        AssertOneLine(App.Run("sample", "--checkpoint", "/nonexistent/c.safetensors", "--temperature", "-0.1"), 2, "--temperature must be a finite number >= 0");

    [Test]
    public void AVectorRunWithScheduleHistoryAndAdamWThenOodAndSampleOnAnEpochCheckpoint()
    {
        string near = WriteSet("near", 0f, 1), far = WriteSet("far", 3f, 2);
        string run = _dir.File("run");
        // 96 vectors at batch 32: 3 steps per epoch, 4 epochs; keep the newest 2 epoch files.
        var (code, output, error) = App.Run("train", "--dataset", near, "--hidden", "8", "--layers", "1", "--couplings", "2",
            "--batch", "32", "--epochs", "4", "--lr", "3e-3", "--optimizer", "adamw", "--warmup", "4", "--schedule", "cosine",
            "--save-every-epochs", "1", "--keep", "2", "--out", run, "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error, Does.Contain("learning rate: 4 warmup steps, then cosine (over 12 steps, 4 epochs)"));
        var files = Directory.GetFiles(run, "*.safetensors").Select(Path.GetFileName).Order().ToArray();
        Assert.That(files, Is.EqualTo(new[] { "checkpoint-epoch-2.safetensors", "checkpoint-epoch-3.safetensors", "checkpoint.safetensors" }));
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
        {
            var rates = metrics.RootElement.EnumerateArray().Select(r => r.GetProperty("lr").GetDouble()).ToArray();
            Assert.That(rates, Has.Length.EqualTo(4));
            Assert.That(rates[0], Is.EqualTo(3e-3 * 3 / 4).Within(1e-9), "epoch 0 ends at warmup step 3 of 4");
            Assert.That(rates[3], Is.LessThan(rates[1]), "the cosine decays");
        }

        string epochFile = Path.Combine(run, "checkpoint-epoch-2.safetensors");
        (code, _, error) = App.Run("ood", "--checkpoint", epochFile, "--ood", far, "--out", _dir.File("ood"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.Exists(_dir.File("ood/report.json")), Is.True);

        (code, _, error) = App.Run("sample", "--checkpoint", epochFile, "--count", "3", "--temperature", "0", "--out", _dir.File("cold.npz"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        var cold = VectorFile.Load(_dir.File("cold.npz"), "cold");
        Assert.That(cold.Values.AsSpan(0, 4).ToArray(), Is.EqualTo(cold.Values.AsSpan(4, 4).ToArray()), "at T = 0 every sample decodes z = 0");

        // A resume may not change the schedule, but may change the history options.
        var refused = App.Run("train", "--resume", Path.Combine(run, "checkpoint.safetensors"), "--warmup", "10", "--device", "cpu");
        AssertOneLine(refused, 2, "drop --warmup");
    }

    [Test]
    public void DescribeJsonIsOneObjectWithTheTextsLayersAndParameterCount()
    {
        var text = App.Run("describe", "--model", "glow", "--image", "1x8x8", "--K", "2", "--mid", "8");
        var json = App.Run("describe", "--model", "glow", "--image", "1x8x8", "--K", "2", "--mid", "8", "--json");
        Assert.That(text.Code, Is.EqualTo(0), text.Err);
        Assert.That(json.Code, Is.EqualTo(0), json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        var root = doc.RootElement;
        long parameters = long.Parse(text.Out.Trim().Split('\n')[^1]["parameters: ".Length..]);
        Assert.That(root.GetProperty("parameters").GetInt64(), Is.EqualTo(parameters));
        Assert.That(root.GetProperty("model").GetString(), Is.EqualTo("glow"));
        Assert.That(root.GetProperty("dimension").GetInt32(), Is.EqualTo(64));
        Assert.That(root.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 8, 8 }));
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        int textLayers = text.Out.Split('\n').Count(l => l.Contains(" params "));
        Assert.That(layers, Has.Count.EqualTo(textLayers));
        Assert.That(layers.Sum(l => l.GetProperty("parameters").GetInt64()), Is.EqualTo(parameters));
        Assert.That(layers.Any(l => l.GetProperty("kind").GetString() == "factor_out" && l.TryGetProperty("factored_out", out _)), Is.True);
        Assert.That(root.GetProperty("latent_pieces").EnumerateArray().Sum(p => p.EnumerateArray().Aggregate(1, (a, d) => a * d.GetInt32())), Is.EqualTo(64));
        Assert.That(root.GetProperty("config").GetProperty("K").GetString(), Is.EqualTo("2"));
    }
}

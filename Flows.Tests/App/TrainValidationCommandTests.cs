using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels.Cpu;
using Flows.Tests.Data;
using Flows.Tests.Training;
using Flows.Training.Commands;

namespace Flows.Tests.App;

/// <summary>
/// Mistakes in 'flows train' and the main job end in one clear line with the right exit code, before any
/// training starts: empty data, bad sizes and counts, damaged run files, an unusable --out.
/// </summary>
[NonParallelizable]
public sealed class TrainValidationCommandTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private static void AssertOneClearLine((int Code, string Out, string Err) result, int code, params string[] fragments)
    {
        Assert.That(result.Code, Is.EqualTo(code), result.Err);
        var lines = result.Err.Trim().Split('\n');
        Assert.That(lines[^1], Does.StartWith("error: "), result.Err);
        foreach (var f in fragments) Assert.That(lines[^1], Does.Contain(f));
        Assert.That(lines.Count(l => l.StartsWith("error: ", StringComparison.Ordinal)), Is.EqualTo(1), result.Err);
        Assert.That(result.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    private string WriteVectors(string name, int trainCount, int testCount = 40)
    {
        VectorFile.Save(_dir.File($"{name}_features_train.npz"), SyntheticVectors.Gaussian(name, trainCount, 4, 0, 1));
        VectorFile.Save(_dir.File($"{name}_features_test.npz"), SyntheticVectors.Gaussian(name, testCount, 4, 0, 2));
        return $"{name}={_dir.File($"{name}_features_{{split}}.npz")}";
    }

    private string[] TinyVectorRun(string dataset, string outDir, params string[] more) =>
        ["train", "--dataset", dataset, "--hidden", "8", "--layers", "1", "--couplings", "2", "--batch", "16",
         "--out", outDir, "--device", "cpu", .. more];

    // Defect 1: an empty training or test set is refused before training, not looped over forever.
    [TestCase("0", "3")]
    [TestCase("1", "0")]
    public void AnEmptyTrainingSetIsOneDataErrorBeforeTraining(string epochs, string steps)
    {
        string data = WriteVectors("empty", trainCount: 0);
        string run = _dir.File("run");
        AssertOneClearLine(App.Run(TinyVectorRun(data, run, "--epochs", epochs, "--steps", steps)), 3, "empty", "no training");
        Assert.That(File.Exists(Path.Combine(run, "metrics.json")), Is.False);
        Assert.That(File.Exists(Path.Combine(run, "checkpoint.safetensors")), Is.False);
    }

    [Test]
    public void AnEmptyTestSetIsOneDataErrorBeforeTraining()
    {
        string data = WriteVectors("notest", trainCount: 40, testCount: 0);
        AssertOneClearLine(App.Run(TinyVectorRun(data, _dir.File("run"), "--steps", "1")), 3, "test");
    }

    // Defect 2: a damaged metrics.json on --resume is one line naming the file and the fix.
    [Test]
    public void ADamagedMetricsFileOnResumeIsOneLineNamingIt()
    {
        string data = WriteVectors("v", trainCount: 40);
        string run = _dir.File("run");
        var first = App.Run(TinyVectorRun(data, run, "--steps", "2"));
        Assert.That(first.Code, Is.EqualTo(0), first.Err);
        string metrics = Path.Combine(run, "metrics.json");
        File.WriteAllText(metrics, "[{\"epoch\": 0, ");
        AssertOneClearLine(App.Run("train", "--resume", Path.Combine(run, "checkpoint.safetensors"), "--steps", "4", "--device", "cpu"),
            3, metrics, "move it aside");
    }

    // Defect 2: zero sizes the model needs are refused with the field's name.
    [TestCase("--mid", "mid")]
    [TestCase("--blocks", "blocks")]
    [TestCase("--scales", "scales")]
    public void AZeroModelSizeIsRefusedWithItsName(string flag, string field) =>
        AssertOneClearLine(App.Run("train", flag, "0", "--steps", "1", "--out", _dir.File("run"), "--device", "cpu", "--offline",
            "--data-dir", _dir.Path), 2, field);

    [Test]
    public void ModelConfigValidationNamesTheField()
    {
        var model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8));
        using var backend = new ManagedCpuBackend();
        Assert.That(() => FlowModels.Create(model with { Mid = 0 }, backend, 0), Throws.ArgumentException.With.Message.Contains("mid"));
        Assert.That(() => FlowModels.Create(ModelConfig.Tabular(4) with { Hidden = 0 }, backend, 0), Throws.ArgumentException.With.Message.Contains("hidden"));
        Assert.That(() => FlowModels.Create(ModelConfig.Defaults("glow", new ImageShape(1, 8, 8)) with { K = 0 }, backend, 0), Throws.ArgumentException.With.Message.Contains("K"));
    }

    private string SaveCheckpointWith(Func<TrainingConfig, TrainingConfig> change)
    {
        var config = new TrainingConfig
        {
            Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 8, 8)) with { Blocks = 1, Mid = 4 },
            Dataset = "synthetic", MaxSteps = 1, BatchSize = 8, EvalBatchSize = 8, SampleCount = 1,
        };
        var images = SyntheticImages.Blobs("blobs", 16, 8, seed: 1);
        using var backend = new ManagedCpuBackend();
        using var trainer = new Trainer(config, backend, images, images, _dir.File("ckpt"));
        string path = _dir.File("changed.safetensors");
        var changed = change(config);
        TrainingCheckpoint.Save(path, trainer.Model, trainer.Optimizer, changed, trainer.State);
        return path;
    }

    [Test]
    public void ACheckpointWhoseMetadataSaysMidZeroIsACheckpointError()
    {
        string path = SaveCheckpointWith(c => c with { Model = c.Model with { Mid = 0 } });
        AssertOneClearLine(App.Run("train", "--resume", path, "--device", "cpu"), 4, path, "mid");
        AssertOneClearLine(App.Run("ood", "--checkpoint", path, "--device", "cpu"), 4, path, "mid");
    }

    // Defect 4: sizes from a checkpoint's metadata that no machine could hold are refused before allocating.
    [TestCase("mid", 30000)]
    [TestCase("blocks", 100000)]
    public void ACheckpointWhoseMetadataAsksForGigabytesIsRefusedBeforeAllocating(string key, int value)
    {
        string path = SaveCheckpointWith(c => c with { Model = key == "mid" ? c.Model with { Mid = value } : c.Model with { Blocks = value, Mid = 64 } });
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertOneClearLine(App.Run("ood", "--checkpoint", path, "--device", "cpu"), 4, path, $"{key} {value}", "parameters");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64L << 20));
        AssertOneClearLine(App.Run("train", "--resume", path, "--device", "cpu"), 4, path, $"{key} {value}");
    }

    // Defect 4: describe flags asking for more than the machine holds.
    [TestCase("--mid", "30000")]
    [TestCase("--blocks", "100000")]
    public void DescribeRefusesSizesNoMachineHolds(string flag, string value)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertOneClearLine(App.Run("describe", "--model", "realnvp", "--image", "1x28x28", flag, value), 2, $"{flag.TrimStart('-')} {value}", "parameters");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64L << 20));
    }

    // Defect 4: a batch whose step cannot fit is refused before training; so is a sample grid of 200,000.
    [Test]
    public void ABatchOrSampleGridThatCannotFitIsRefusedBeforeTraining()
    {
        string run = _dir.File("run");
        var images = SyntheticImages.Blobs("blobs", 16, 28, seed: 1);
        var config = new TrainingConfig
        {
            Model = ModelConfig.Defaults("realnvp", new ImageShape(1, 28, 28)) with { Blocks = 1, Mid = 32 },
            Dataset = "synthetic", MaxSteps = 1, BatchSize = 1_000_000, EvalBatchSize = 8, SampleCount = 1,
        };
        using var backend = new ManagedCpuBackend();
        Assert.DoesNotThrow(() => new Trainer(config, backend, images, images, run).Dispose(), "16 images: the batch is the set");
        Assert.That(() => ModelFootprint.RequireTrainingStepFits(config.Model, 1_000_000, 60_000, ModelFootprint.AvailableBytes),
                    Throws.ArgumentException.With.Message.StartWith("--batch 1000000"));
        var grid = Assert.Throws<ArgumentException>(() => (config with { BatchSize = 8, SampleCount = 200_000 }).Validate())!;
        Assert.That(grid.Message, Does.Contain("--samples 200000"));
        AssertOneClearLine(App.Run("train", "--preset", "smoke", "--samples", "200000", "--out", run, "--device", "cpu", "--offline"), 2, "--samples 200000");
    }

    // Defect 8: bad values in a checkpoint name the checkpoint and its metadata key, not a flag.
    [Test]
    public void ACheckpointWithANegativeLearningRateNamesTheCheckpointAndTheKey()
    {
        string path = SaveCheckpointWith(c => c with { LearningRate = -1 });
        var result = App.Run("train", "--resume", path, "--device", "cpu");
        AssertOneClearLine(result, 4, path, "'lr'");
        Assert.That(result.Err, Does.Not.Contain("--lr must"));
    }

    // Defect 3: --st-type works with every preset.
    [TestCaseSource(typeof(TrainingPresets), nameof(TrainingPresets.All))]
    public void StTypeOverridesEveryPreset(TrainingPresets.Preset preset)
    {
        string st = preset.Config.Model.Name == "tabular" ? "mlp" : "resnet_ae";
        string[] args = st == "mlp" ? ["--preset", preset.Name, "--st-type", st] : ["--preset", preset.Name, "--st-type", st, "--latent", "8"];
        var config = TrainCommand.BuildConfig(TrainCommand.Spec.Parse(args), out _);
        Assert.That(config.Model.StType, Is.EqualTo(st));
    }

    // Defect 7: negative counts are refused, naming the flag.
    [TestCase("--samples")]
    [TestCase("--test-limit")]
    [TestCase("--checkpoint-every")]
    [TestCase("--train-limit")]
    [TestCase("--steps")]
    [TestCase("--epochs")]
    public void ANegativeCountIsRefusedNamingTheFlag(string flag) =>
        AssertOneClearLine(App.Run("train", flag, "-1", "--out", _dir.File("run"), "--device", "cpu", "--offline", "--data-dir", _dir.Path),
            2, flag);

    // Defect 8: an --out that cannot be a folder is one line naming it, before any data is loaded.
    [Test]
    public void AnOutThatIsAFileIsOneLineNamingIt()
    {
        string data = WriteVectors("v", trainCount: 40);
        string file = _dir.File("taken");
        File.WriteAllText(file, "x");
        AssertOneClearLine(App.Run(TinyVectorRun(data, file, "--steps", "1")), 2, file, "--out");
        AssertOneClearLine(App.Run(TinyVectorRun(data, Path.Combine(file, "sub"), "--steps", "1")), 2, file, "--out");
        Assert.That(File.ReadAllText(file), Is.EqualTo("x"));
    }

    // Defect 11: an unwritable --out (here a folder under /sys, which even root cannot create) is one usage line.
    [Test]
    public void AnUnwritableOutIsOneLineNamingIt()
    {
        string data = WriteVectors("v", trainCount: 40);
        string unwritable = "/sys/flows-unwritable-run";
        AssertOneClearLine(App.Run(TinyVectorRun(data, unwritable, "--steps", "1")), 2, "--out", unwritable, "cannot write");
        AssertOneClearLine(App.Run("run", "--out", unwritable, "--offline"), 2, "--out", unwritable);
    }

    // Defect 11: an output file that cannot be written after training (here a folder stands where metrics.json
    // goes; a full disk fails the same write) is exit 7 naming the file, and the checkpoint already written survives.
    [Test]
    public void AnOutputFileThatCannotBeWrittenIsExitSevenNamingItAndLosesNothing()
    {
        string data = WriteVectors("v", trainCount: 40);
        string run = _dir.File("run");
        Directory.CreateDirectory(Path.Combine(run, "metrics.json"));
        var result = App.Run(TinyVectorRun(data, run, "--steps", "2"));
        AssertOneClearLine(result, 7, "metrics.json", "free space");
        string checkpoint = Path.Combine(run, "checkpoint.safetensors");
        if (File.Exists(checkpoint)) Assert.DoesNotThrow(() => TrainingCheckpoint.Load(checkpoint));
        Assert.That(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories), Is.Empty);
    }

    // Defect 6: the main job checks every flag and the OOD sets before it trains.
    [TestCase("--val", "-1", 2, "--val")]
    [TestCase("--feature-train", "-5", 2, "--feature-train")]
    [TestCase("--steps", "-1", 2, "--steps")]
    [TestCase("--limit", "-1", 2, "--limit")]
    [TestCase("--ood", "nosuchset", 3, "nosuchset")]
    public void TheMainJobChecksItsFlagsBeforeTraining(string flag, string value, int code, string fragment)
    {
        string outDir = _dir.File("main");
        // The training set is there (a tiny image folder), so an error after training would come too late.
        var result = App.Run("run", flag, value, "--no-features", "--out", outDir, "--device", "cpu", "--offline", "--data-dir", _dir.Path);
        AssertOneClearLine(result, code, fragment);
        Assert.That(Directory.Exists(Path.Combine(outDir, "train")), Is.False, "nothing was trained");
    }
}

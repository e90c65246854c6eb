using Flows.Core.Data;
using Flows.Tests.Data;
using Flows.Tests.Training;

namespace Flows.Tests.App;

/// <summary>`train --cuda-graph` where there are no graphs (the managed cpu backend): one note, then eager training (docs/PERFORMANCE.md, "Streams and CUDA graphs").</summary>
[NonParallelizable]
public sealed class CudaGraphCommandTests
{
    [Test]
    public void OnTheCpuBackendTheFlagGivesOneNoteAndTrainsEagerly()
    {
        using var dir = new TempFolder();
        VectorFile.Save(dir.File("v_features_train.npz"), SyntheticVectors.Gaussian("v", 32, 4, 0f, 1));
        VectorFile.Save(dir.File("v_features_test.npz"), SyntheticVectors.Gaussian("v", 16, 4, 0f, 2));
        var (code, output, error) = App.Run("train", "--dataset", $"v={dir.File("v_features_{split}.npz")}", "--hidden", "4", "--layers", "1",
            "--couplings", "2", "--batch", "16", "--steps", "2", "--out", dir.File("run"), "--device", "cpu", "--cuda-graph");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(error.Split('\n').Count(l => l.Contains("--cuda-graph")), Is.EqualTo(1), error);
        Assert.That(error, Does.Contain("--cuda-graph: the cpu backend has no step graphs; running eagerly"));
        Assert.That(output, Does.Contain("trained 2 steps"));
    }

    [Test]
    public void TheFlagTakesNoValue()
    {
        var (code, _, error) = App.Run("train", "--cuda-graph", "yes", "--device", "cpu");
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), error);
    }
}

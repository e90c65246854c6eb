using Flows.Core.Api;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Tests.Data;
using Flows.Training;

namespace Flows.Tests.Api;

/// <summary>The API gives the numbers `flows ood` writes to scores.csv, for the same checkpoint and images (real data).</summary>
[NonParallelizable]
public sealed class OodDetectorCliTests
{
    private static int Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var sink = new StringWriter();
        Console.SetOut(sink);
        Console.SetError(sink);
        try { return Program.Main(args); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Test]
    public void ScoresEqualTheOodCommandsScoresCsv()
    {
        string data = RealData.Folder();
        using var dir = new TempFolder();
        Assert.That(Run(["train", "--preset", "smoke", "--steps", "2", "--train-limit", "200", "--test-limit", "40",
                         "--data-dir", data, "--offline", "--out", dir.File("run"), "--device", "cpu", "--seed", "1"]), Is.EqualTo(0), "flows train");
        string checkpoint = Path.Combine(dir.File("run"), "checkpoint.safetensors");
        Assert.That(Run(["ood", "--checkpoint", checkpoint, "--ood", "mnist", "--limit", "40", "--batch", "20", "--bootstrap", "20",
                         "--scores", "ll,typicality,complexity", "--val", "30", "--data-dir", data, "--offline",
                         "--out", dir.File("ood"), "--device", "cpu"]), Is.EqualTo(0), "flows ood");
        var csv = ScoreCsv.Read(Path.Combine(dir.File("ood"), ScoreCsv.FileName)).ToDictionary(t => t.Name);

        var options = new DataOptions { DataDir = data, Offline = true };
        var train = DatasetLoader.Load("fashionmnist", DatasetSplit.Train, options);
        using var detector = OodDetector.Load(checkpoint, new OodDetectorOptions { BatchSize = 20 });
        detector.Calibrate(train.Take(train.Count - 30, 30));
        foreach (var (set, name) in new[] { ("fashionmnist", "fashionmnist/test"), ("mnist", "mnist/test") })
        {
            var results = detector.ScoreBatch(DatasetLoader.Load(set, DatasetSplit.Test, options).Subset(40));
            foreach (var score in detector.ScoreNames)
                Assert.That(results.Select(r => r[score].Value), Is.EqualTo(csv[name].Scores[score]), $"{name} {score}");
        }
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Flows.Core.Checkpoints;
using Flows.Core.Training;
using Flows.Tests.Checkpoints;

namespace Flows.Tests.Determinism;

/// <summary>
/// GUIDE.md, Determinism: --seed fixes a run across processes, and a run killed in one process and resumed in
/// another equals an uninterrupted one bit for bit. Each run here is the real app in its own process, so
/// anything randomised per process (string hashing, HashCode, Random.Shared, address-dependent order) shows up.
/// </summary>
public class CrossProcessDeterminismTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Test]
    public void TwoProcessesWithTheSameSeedWriteTheSameCheckpointMetricsAndSamples()
    {
        using var dir = new TempDir();
        string a = dir.File("A"), b = dir.File("B");
        using (var first = ChildProcess.Start("train", "--preset", "smoke", "--seed", "7", "--out", a))
        using (var second = ChildProcess.Start("train", "--preset", "smoke", "--seed", "7", "--out", b))
        {
            first.WaitForExit(Limit, expectSuccess: true);
            second.WaitForExit(Limit, expectSuccess: true);
        }

        AssertSameCheckpoint(Path.Combine(a, "checkpoint.safetensors"), Path.Combine(b, "checkpoint.safetensors"));
        Assert.That(MetricsWithoutClock(Path.Combine(b, "metrics.json")), Is.EqualTo(MetricsWithoutClock(Path.Combine(a, "metrics.json"))));
        Assert.That(File.ReadAllBytes(Path.Combine(b, "samples.png")), Is.EqualTo(File.ReadAllBytes(Path.Combine(a, "samples.png"))), "samples.png");
    }

    // The smoke RealNVP; and Glow (ActNorm's data-dependent initialisation, invertible 1x1 convolutions) with
    // the pixel-perturbation stream, whose position (PerturbOffset) the checkpoint carries.
    [TestCase("")]
    [TestCase("--model glow --scales 2 --K 2 --mid 8 --perturb 0.1")]
    [TestCase("--warmup 6 --schedule cosine --optimizer adamw --decay-groups all")] // the rate recomputed from the step
    public void ARunKilledInOneProcessAndResumedInAnotherEqualsAnUninterruptedRun(string extra)
    {
        using var dir = new TempDir();
        string whole = dir.File("whole"), killed = dir.File("killed"), resumed = dir.File("resumed");
        // Two epochs of 8 steps; checkpoints at 5 (mid-epoch), 8, 10, 15 and 16.
        string[] run = ["train", "--preset", "smoke", "--seed", "7", "--epochs", "2", "--steps", "16", "--checkpoint-every", "5",
                        .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        const int total = 16;

        using (var uninterrupted = ChildProcess.Start([.. run, "--out", whole]))
        using (var victim = ChildProcess.Start([.. run, "--out", killed]))
        {
            string checkpoint = Path.Combine(killed, "checkpoint.safetensors");
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !victim.HasExited && clock.Elapsed < Limit)
                Thread.Sleep(2);
            victim.Kill();
            Assert.That(File.Exists(checkpoint), $"no checkpoint appeared before the kill: {victim.Output}");
            uninterrupted.WaitForExit(Limit, expectSuccess: true);
        }

        string from = Path.Combine(killed, "checkpoint.safetensors");
        var state = TrainingCheckpoint.Load(from).State;
        Assert.That(state.GlobalStep, Is.InRange(1, total - 1), "the child was killed mid-run (it outran the kill otherwise; see its step)");
        TestContext.Out.WriteLine($"killed after the checkpoint at step {state.GlobalStep} (epoch {state.Epoch}, batch {state.BatchInEpoch})");

        ChildProcess.Run(Limit, "train", "--resume", from, "--out", resumed);

        AssertSameCheckpoint(Path.Combine(whole, "checkpoint.safetensors"), Path.Combine(resumed, "checkpoint.safetensors"));
        // The resumed run's metrics.json holds the epochs it finished; its last record (epoch 1, steps 9..16) is the uninterrupted run's.
        var last = MetricsWithoutClock(Path.Combine(resumed, "metrics.json")).Last();
        Assert.That(last, Is.EqualTo(MetricsWithoutClock(Path.Combine(whole, "metrics.json")).Last()));
        Assert.That(File.ReadAllBytes(Path.Combine(resumed, "samples.png")), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, "samples.png"))), "samples.png");
    }

    /// <summary>Same tensor names in the same order, dtypes, shapes and bytes, and the same metadata (a checkpoint has no clock fields).</summary>
    internal static void AssertSameCheckpoint(string expectedPath, string actualPath)
    {
        var expected = SafeTensorsFile.Read(expectedPath);
        var actual = SafeTensorsFile.Read(actualPath);
        Assert.That(actual.Names.ToArray(), Is.EqualTo(expected.Names.ToArray()), "tensor names");
        foreach (var e in expected.Tensors)
        {
            var a = actual[e.Name];
            Assert.That(a.DType, Is.EqualTo(e.DType), $"{e.Name}: dtype");
            Assert.That(a.Shape, Is.EqualTo(e.Shape), $"{e.Name}: shape");
            byte[] eb = Bytes(e), ab = Bytes(a);
            int first = FirstDifference(eb, ab);
            if (first >= 0)
            {
                int size = e.DType.ElementSize(), index = first / size;
                Assert.Fail($"tensor {e.Name} [{string.Join(", ", e.Shape)}] differs first at element {index}: " +
                            $"{e.Data.GetValue(index)} in {expectedPath}, {a.Data.GetValue(index)} in {actualPath}");
            }
        }
        Assert.That(WithoutClock(actual.Metadata), Is.EqualTo(WithoutClock(expected.Metadata)), "checkpoint metadata");
    }

    /// <summary>Checkpoint metadata in key order, the training state's wall-clock seconds (kept so a resumed run's clock continues) zeroed.</summary>
    private static List<KeyValuePair<string, string>> WithoutClock(IReadOnlyDictionary<string, string> metadata) =>
        metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key == "state" ? new KeyValuePair<string, string>(kv.Key, StateWithoutClock(kv.Value)) : kv)
            .ToList();

    private static string StateWithoutClock(string json)
    {
        try { return (TrainingState.FromJson(json) with { Seconds = 0 }).ToJson(); }
        catch (ArgumentException) { return json; } // not a training state (the comparison's own tests): compared as it is
    }

    /// <summary>metrics.json's records, each as canonical JSON text without its wall-clock field "seconds".</summary>
    internal static List<string> MetricsWithoutClock(string path)
    {
        var records = JsonNode.Parse(File.ReadAllText(path))!.AsArray();
        return records.Select(r =>
        {
            var o = r!.AsObject().DeepClone().AsObject();
            Assert.That(o.Remove("seconds"), $"{path}: a record without 'seconds'");
            return o.ToJsonString();
        }).ToList();
    }

    private static byte[] Bytes(NamedArray array)
    {
        var bytes = new byte[array.ByteLength];
        Buffer.BlockCopy(array.Data, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static int FirstDifference(byte[] x, byte[] y)
    {
        int n = Math.Min(x.Length, y.Length);
        int i = x.AsSpan(0, n).CommonPrefixLength(y.AsSpan(0, n));
        return i < n || x.Length != y.Length ? i : -1;
    }
}

/// <summary>The comparison above can fail, and says where: checked on two hand-made checkpoints, no processes.</summary>
public class CheckpointComparisonTests
{
    [Test]
    public void ADifferenceInOneElementIsReportedByTensorAndIndex()
    {
        using var dir = new TempDir();
        var meta = new Dictionary<string, string> { ["state"] = "{}" };
        SafeTensorsWriter.Write(dir.File("x.safetensors"), [new NamedArray("model.w", new[] { 3 }, new[] { 1f, 2f, 3f })], meta);
        SafeTensorsWriter.Write(dir.File("y.safetensors"), [new NamedArray("model.w", new[] { 3 }, new[] { 1f, 2f, 3.0000002f })], meta);
        SafeTensorsWriter.Write(dir.File("z.safetensors"), [new NamedArray("model.w", new[] { 3 }, new[] { 1f, 2f, 3f })],
            new Dictionary<string, string> { ["state"] = "{\"global_step\":\"1\"}" });

        CrossProcessDeterminismTests.AssertSameCheckpoint(dir.File("x.safetensors"), dir.File("x.safetensors"));
        Assert.That(() => CrossProcessDeterminismTests.AssertSameCheckpoint(dir.File("x.safetensors"), dir.File("y.safetensors")),
            Throws.InstanceOf<AssertionException>().With.Message.Contains("model.w [3] differs first at element 2"));
        Assert.That(() => CrossProcessDeterminismTests.AssertSameCheckpoint(dir.File("x.safetensors"), dir.File("z.safetensors")),
            Throws.InstanceOf<AssertionException>().With.Message.Contains("metadata"));
    }

    [Test]
    public void MetricsAreComparedWithoutTheirSecondsOnly()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.json"), "[{\"epoch\":0,\"test_bpd\":1.5,\"seconds\":2.0}]");
        File.WriteAllText(dir.File("b.json"), "[{\"epoch\":0,\"test_bpd\":1.5,\"seconds\":9.0}]");
        File.WriteAllText(dir.File("c.json"), "[{\"epoch\":0,\"test_bpd\":1.5000001,\"seconds\":2.0}]");
        var a = CrossProcessDeterminismTests.MetricsWithoutClock(dir.File("a.json"));
        Assert.That(CrossProcessDeterminismTests.MetricsWithoutClock(dir.File("b.json")), Is.EqualTo(a));
        Assert.That(CrossProcessDeterminismTests.MetricsWithoutClock(dir.File("c.json")), Is.Not.EqualTo(a));
    }
}

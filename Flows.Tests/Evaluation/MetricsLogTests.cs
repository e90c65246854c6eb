using System.Text.Json;
using Flows.Core.Evaluation;
using Flows.Tests.Checkpoints;

namespace Flows.Tests.Evaluation;

public class MetricsLogTests
{
    [Test]
    public void EachAppendLeavesAValidJsonArray()
    {
        using var dir = new TempDir();
        string path = dir.File("metrics.json");
        var log = new MetricsLog(path);
        log.Append(("epoch", 1), ("train_bpd", 3.5), ("lr", 1e-3f), ("note", "warmup"));
        using (var doc = JsonDocument.Parse(File.ReadAllText(path)))
            Assert.That(doc.RootElement.GetArrayLength(), Is.EqualTo(1));

        log.Append(("epoch", 2), ("train_bpd", double.NaN), ("per_layer", new[] { 1.0, 2.0 }));
        using (var doc = JsonDocument.Parse(File.ReadAllText(path)))
        {
            var second = doc.RootElement[1];
            Assert.That(doc.RootElement.GetArrayLength(), Is.EqualTo(2));
            Assert.That(second.GetProperty("epoch").GetInt32(), Is.EqualTo(2));
            Assert.That(second.GetProperty("train_bpd").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(second.GetProperty("per_layer")[1].GetDouble(), Is.EqualTo(2.0));
            Assert.That(doc.RootElement[0].GetProperty("note").GetString(), Is.EqualTo("warmup"));
        }
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(1), "no temporary files are left");
    }

    [Test]
    public void ResumeKeepsEarlierRecordsAndFreshStartReplacesThem()
    {
        using var dir = new TempDir();
        string path = dir.File("metrics.json");
        new MetricsLog(path).Append(("epoch", 1));
        var resumed = new MetricsLog(path);
        resumed.Append(("epoch", 2));
        Assert.That(MetricsLog.Read(path).Select(r => (int)r["epoch"]!), Is.EqualTo(new[] { 1, 2 }));

        new MetricsLog(path, resume: false).Append(("epoch", 1));
        Assert.That(MetricsLog.Read(path), Has.Count.EqualTo(1));
    }

    [Test]
    public void CorruptFileIsReportedWithItsPath()
    {
        using var dir = new TempDir();
        string path = dir.File("metrics.json");
        File.WriteAllText(path, "[{\"epoch\": 1},");
        Assert.That(() => new MetricsLog(path), Throws.TypeOf<global::Flows.Core.Data.DataException>().With.Message.Contains(path));
    }

    [Test]
    public void UnsupportedValueTypesAndDuplicateKeysAreRefused()
    {
        using var dir = new TempDir();
        var log = new MetricsLog(dir.File("m.json"));
        Assert.That(() => log.Append(("x", new object())), Throws.ArgumentException.With.Message.Contains("'x'"));
        Assert.That(() => log.Append(("x", 1), ("x", 2)), Throws.ArgumentException);
    }
}

using Flows.Core.Data;
using Flows.Core.Data.Numpy;

namespace Flows.Tests.Data.Numpy;

public class VectorFileTests
{
    private static VectorDataset Sample(bool labels) =>
        new("s", Enumerable.Range(0, 15).Select(i => i * 0.5f).ToArray(), labels ? [3, 1, 4, 1, 5] : [-1, -1, -1, -1, -1], 3);

    [TestCase(true)]
    [TestCase(false)]
    public void AnNpzRoundTripsWithTheSpecsKeys(bool compressed)
    {
        using var dir = new TempFolder();
        var path = dir.File("cifar10_features_test.npz");
        VectorFile.Save(path, Sample(labels: true), compressed);
        Assert.That(dir.AllFiles().Select(Path.GetFileName), Is.EqualTo(new[] { "cifar10_features_test.npz" }), "no temporary file is left");
        using (var npz = NpzReader.Open(path))
        {
            Assert.That(npz.Keys, Is.EqualTo(new[] { "embeddings", "labels" }));
            Assert.That(NpyReader.ReadHeader(new MemoryStream(Entry(path, "labels.npy")), "l").DType, Is.EqualTo(NpyDType.Int64), "labels are int64 as in §3.2");
        }
        var back = VectorFile.Load(path);
        Assert.That((back.Name, back.Count, back.Dim), Is.EqualTo(("cifar10_features_test", 5, 3)));
        Assert.That(back.Values, Is.EqualTo(Sample(true).Values));
        Assert.That(back.Labels, Is.EqualTo(new[] { 3, 1, 4, 1, 5 }));
    }

    [Test]
    public void WithoutLabelsTheKeyIsOmittedAndRowsReadAsMinusOne()
    {
        using var dir = new TempFolder();
        var path = dir.File("u.npz");
        VectorFile.Save(path, Sample(labels: false));
        using (var npz = NpzReader.Open(path)) Assert.That(npz.Keys, Is.EqualTo(new[] { "embeddings" }));
        var back = VectorFile.Load(path, "named");
        Assert.That((back.Name, back.HasLabels), Is.EqualTo(("named", false)));
        Assert.That(back.Labels, Is.All.EqualTo(-1));
    }

    [Test]
    public void A2DNpyLoadsWithoutLabels()
    {
        using var dir = new TempFolder();
        var path = dir.File("x.npy");
        using (var f = File.Create(path)) NpyWriter.Write(f, new float[] { 1, 2, 3, 4 }, [2, 2]);
        var data = VectorFile.Load(path);
        Assert.That((data.Count, data.Dim, data.Labels[1]), Is.EqualTo((2, 2, -1)));
        Assert.That(data.Row(1).ToArray(), Is.EqualTo(new[] { 3f, 4f }));
    }

    [Test]
    public void WrongShapesAndFilesAreClearErrors()
    {
        using var dir = new TempFolder();
        var flat = dir.File("flat.npy");
        using (var f = File.Create(flat)) NpyWriter.Write(f, new float[] { 1, 2, 3, 4 }, [4]);
        Assert.That(() => VectorFile.Load(flat), Throws.TypeOf<DataException>().With.Message.Contains("2-D [N, D] array").And.Message.Contains("shape (4)"));

        var mismatch = dir.File("m.npz");
        using (var f = File.Create(mismatch))
        using (var npz = new NpzWriter(f, compressed: false))
        {
            npz.Write("embeddings", new float[6], [3, 2]);
            npz.Write("labels", new long[] { 1, 2 }, [2]);
        }
        Assert.That(() => VectorFile.Load(mismatch), Throws.TypeOf<DataException>().With.Message.Contains("1-D array of 3 labels"));

        var wrongKey = dir.File("k.npz");
        using (var f = File.Create(wrongKey))
        using (var npz = new NpzWriter(f, compressed: true)) npz.Write("features", new float[6], [3, 2]);
        Assert.That(() => VectorFile.Load(wrongKey), Throws.TypeOf<DataException>().With.Message.Contains("no array 'embeddings'; its keys are 'features'"));

        Assert.That(() => VectorFile.Load(dir.File("x.csv")), Throws.TypeOf<DataException>().With.Message.Contains(".npz"));
        Assert.That(() => VectorFile.Load(dir.File("absent.npz")), Throws.TypeOf<DataException>().With.Message.Contains("no file at"));
    }

    private static byte[] Entry(string zipPath, string name)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(zipPath);
        using var s = zip.GetEntry(name)!.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}

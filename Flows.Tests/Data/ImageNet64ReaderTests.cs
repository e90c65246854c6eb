using System.Buffers.Binary;
using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>The downsampled-ImageNet batch files (docs/MODELS.md §3.1), pickle and .npz, written here byte by byte.</summary>
public sealed class ImageNet64ReaderTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempFolder();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string Write(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void APickledBatchReadsBackAsCHWImagesWithZeroBasedLabels(int protocol)
    {
        var pixels = ImageNet64BatchFiles.Pixels(3, seed: protocol);
        var path = Write("val_data", ImageNet64BatchFiles.Pickle(pixels, [1, 1000, 500], protocol));

        var d = DownsampledImageNetReader.Read("in64", [path]);

        Assert.That((d.Count, d.Channels, d.Height, d.Width), Is.EqualTo((3, 3, 64, 64)));
        Assert.That(d.Labels, Is.EqualTo(new[] { 0, 999, 499 }));
        Assert.That(d.CopyPixels(), Is.EqualTo(pixels));
        // Row layout = C×H×W: image 1's green value at (y=2, x=5) is byte 4096 + 2*64 + 5 of its row.
        Assert.That(d.Image(1)[4096 + 2 * 64 + 5], Is.EqualTo(pixels[12288 + 4096 + 133]));
    }

    [Test]
    public void ANpzBatchReadsTheSameAsItsPickle()
    {
        var pixels = ImageNet64BatchFiles.Pixels(4, seed: 9);
        int[] labels = [7, 8, 1000, 1];
        var fromPickle = DownsampledImageNetReader.ReadBatch(Write("train_data_batch_1", ImageNet64BatchFiles.Pickle(pixels, labels)));
        var fromNpz = DownsampledImageNetReader.ReadBatch(Write("train_data_batch_1.npz", ImageNet64BatchFiles.Npz(pixels, labels)));

        Assert.That(fromNpz.Pixels, Is.EqualTo(fromPickle.Pixels));
        Assert.That(fromNpz.Labels, Is.EqualTo(fromPickle.Labels));
        Assert.That(fromNpz.Labels, Is.EqualTo(new[] { 6, 7, 999, 0 }));
    }

    [Test]
    public void LabelsStoredAsAnInt64ArrayReadAsAList()
    {
        var batch = DownsampledImageNetReader.ReadBatch(Write("val_data", ImageNet64BatchFiles.Pickle(ImageNet64BatchFiles.Pixels(3), [1000, 2, 1], labelsAsArray: true)));
        Assert.That(batch.Labels, Is.EqualTo(new[] { 999, 1, 0 }));
    }

    [Test]
    public void TheRowLengthGivesTheSide()
    {
        var pixels = ImageNet64BatchFiles.Pixels(2, row: 3 * 32 * 32);
        var batch = DownsampledImageNetReader.ReadBatch(Write("val_data", ImageNet64BatchFiles.Pickle(pixels, [3, 4], row: 3 * 32 * 32)));
        Assert.That((batch.Side, batch.Count), Is.EqualTo((32, 2)));
    }

    [Test]
    public void TheRegisteredSetReadsTrainBatchesInOrderAndValAsTest()
    {
        var folder = Path.Combine(_dir.Path, "imagenet64");
        var info = DatasetRegistry.Get("imagenet64");
        var all = new List<int>();
        for (int i = 1; i <= 10; i++)
        {
            // Batches 1..5 as pickles, 6..10 in the _npz form: both downloads may be mixed.
            var px = ImageNet64BatchFiles.Pixels(1, seed: i);
            int[] lab = [i];
            Write($"imagenet64/train_data_batch_{i}" + (i > 5 ? ".npz" : ""), i > 5 ? ImageNet64BatchFiles.Npz(px, lab) : ImageNet64BatchFiles.Pickle(px, lab));
            all.Add(i - 1);
        }
        Write("imagenet64/val_data", ImageNet64BatchFiles.Pickle(ImageNet64BatchFiles.Pixels(2), [5, 6]));
        var options = new DataOptions { Offline = true, DataDir = _dir.Path };

        var train = DatasetLoader.LoadFromFolder(info, folder, DatasetSplit.Train, options);
        var test = DatasetLoader.LoadFromFolder(info, folder, DatasetSplit.Test, options);

        Assert.That(train.Labels, Is.EqualTo(all));
        Assert.That(train.Image(9).ToArray(), Is.EqualTo(ImageNet64BatchFiles.Pixels(1, seed: 10)));
        Assert.That((test.Count, test.Labels[1], test.Name), Is.EqualTo((2, 5, "imagenet64/test")));
        Assert.That(DatasetLoader.Load("imagenet64", DatasetSplit.Test, options).Count, Is.EqualTo(2));
    }

    [Test]
    public void NamePathLoadsOneBatch()
    {
        var path = Write("b/train_data_batch_3", ImageNet64BatchFiles.Pickle(ImageNet64BatchFiles.Pixels(2), [1, 2]));
        var d = DatasetLoader.Load("imagenet64=" + path, DatasetSplit.Train, new DataOptions { Offline = true, DataDir = _dir.Path });
        Assert.That((d.Count, d.Height), Is.EqualTo((2, 64)));
    }

    [Test]
    public void TheRegistryEntrySaysALoginIsNeededAndInventsNoChecksums()
    {
        var info = DatasetRegistry.Get("ImageNet64");
        Assert.That(info.ManualDownload, Does.Contain("login").And.Contain("image-net.org").And.Contain("Imagenet64_val.zip"));
        Assert.That(info.Files.Select(f => f.Name), Is.EqualTo(Enumerable.Range(1, 10).Select(i => $"train_data_batch_{i}").Append("val_data")));
        Assert.That(info.Files.All(f => f.Md5 is null && f.Sha256 is null && f.Size is null), Is.True);
        Assert.That((info.TrainCount, info.TestCount, info.ShapeText), Is.EqualTo(((int?)1281167, (int?)50000, "3x64x64")));
        Assert.That(() => DatasetLoader.Load("imagenet64", DatasetSplit.Test, new DataOptions { DataDir = _dir.Path }),
            Throws.TypeOf<DataException>().With.Message.Contains("login"));
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        var px = ImageNet64BatchFiles.Pixels(2);
        var good = ImageNet64BatchFiles.Pickle(px, [1, 2]);
        yield return new TestCaseData(good[..(good.Length / 2)], "truncated").SetName("TruncatedInThePayload");
        yield return new TestCaseData(good[..^1], "truncated").SetName("TruncatedBeforeStop");
        yield return new TestCaseData(ImageNet64BatchFiles.Pickle(new byte[2 * 12288 * 8], [1, 2], dataCode: "f8"), "uint8").SetName("WrongDType");
        yield return new TestCaseData(ImageNet64BatchFiles.Pickle(px, [1, 2, 3]), "2 images but 3 labels").SetName("LabelCountMismatch");
        yield return new TestCaseData(ImageNet64BatchFiles.Pickle(px, [1, 1001]), "outside the classes").SetName("LabelOutOfRange");
        yield return new TestCaseData(ImageNet64BatchFiles.Pickle(px, [1, 2], claimedRows: 3), "claims shape").SetName("ForgedShape");
        yield return new TestCaseData(ForgedPayloadLength(good), "bytes are left").SetName("ForgedPayloadLength");
        yield return new TestCaseData(ImageNet64BatchFiles.Pickle(px, [1, 2], reconstructModule: "os"), "only numpy arrays").SetName("ForeignGlobal");
        yield return new TestCaseData(new byte[] { 0x80, 0x03, (byte)'N', (byte)'.' }, "not the dict").SetName("NotADict");
        yield return new TestCaseData(new byte[] { (byte)'(', (byte)'d', (byte)'p', (byte)'0' }, "protocol 0/1").SetName("Protocol0");
        yield return new TestCaseData(new byte[] { 0x80, 0x05, (byte)'}', (byte)'.' }, "protocol 5").SetName("Protocol5");
        yield return new TestCaseData(ImageNet64BatchFiles.Npz(new byte[12288], [1, 2]), "1 images but 2 labels").SetName("NpzLabelCountMismatch");
        var npz = ImageNet64BatchFiles.Npz(px, [1, 2]);
        yield return new TestCaseData(npz[..(npz.Length - 30)], "zip").SetName("NpzTruncated");
    }

    // The BINBYTES before the first image's pixels claims 4 GiB - 1 bytes.
    private static byte[] ForgedPayloadLength(byte[] good)
    {
        var forged = good.ToArray();
        int at = IndexOfPayloadLength(forged, 2 * 12288);
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(at), uint.MaxValue);
        return forged;
    }

    private static int IndexOfPayloadLength(byte[] bytes, int length)
    {
        for (int i = 0; i + 5 <= bytes.Length; i++)
            if (bytes[i] == 'B' && BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i + 1)) == length)
                return i + 1;
        throw new InvalidOperationException("no BINBYTES payload of that length");
    }

    [TestCaseSource(nameof(Malformed))]
    public void AMalformedBatchIsOneDataExceptionNamingTheFile(byte[] bytes, string problem)
    {
        var path = Write("val_data", bytes);
        var e = Assert.Throws<DataException>(() => DownsampledImageNetReader.Read("x", [path]))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain(problem));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void BatchesOfDifferentSidesAreRefused()
    {
        var a = Write("a/val_data", ImageNet64BatchFiles.Pickle(ImageNet64BatchFiles.Pixels(1), [1]));
        var b = Write("b/val_data", ImageNet64BatchFiles.Pickle(ImageNet64BatchFiles.Pixels(1, row: 3072), [1], row: 3072));
        Assert.That(() => DownsampledImageNetReader.Read("x", [a, b]), Throws.TypeOf<DataException>().With.Message.Contains("of one size"));
    }
}

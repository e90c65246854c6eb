using System.Buffers.Binary;
using System.Diagnostics;
using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>Every damaged or forged input ends in a DataException that names the file and the problem.</summary>
public class CorruptInputTests
{
    [Test]
    public void TruncatedIdxIsReported()
    {
        using var dir = new TempFolder();
        var path = dir.File("cut-images-idx3-ubyte");
        File.WriteAllBytes(path, DataFiles.IdxImages(10, 4, 4, new byte[160])[..100]);

        Assert.That(() => IdxReader.ReadImages(path),
            Throws.TypeOf<DataException>().With.Message.Contains(path).And.Message.Contains("truncated"));
    }

    [Test]
    public void TruncatedGzipIsReported()
    {
        using var dir = new TempFolder();
        var path = dir.File("cut.gz");
        var whole = DataFiles.Gzip(DataFiles.IdxImages(100, 8, 8, DataFiles.Pattern(6400)));
        File.WriteAllBytes(path, whole[..(whole.Length / 2)]);

        Assert.That(() => IdxReader.ReadImages(path),
            Throws.TypeOf<DataException>().With.Message.Contains(path).And.Message.Contains("truncated").Or.Message.Contains("not a valid compressed"));
    }

    [Test]
    public void ATooShortHeaderIsReported()
    {
        using var dir = new TempFolder();
        var path = dir.File("tiny");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);

        Assert.That(() => IdxReader.ReadImages(path), Throws.TypeOf<DataException>().With.Message.Contains("truncated").And.Message.Contains("needs 12 bytes"));
    }

    [Test]
    public void WrongMagicIsReportedAndSwappedFilesAreRecognised()
    {
        using var dir = new TempFolder();
        var labels = dir.File("labels");
        File.WriteAllBytes(labels, DataFiles.IdxLabels([1, 2, 3]));
        var junk = dir.File("junk");
        File.WriteAllBytes(junk, "this is not an IDX file at all"u8.ToArray());

        Assert.That(() => IdxReader.ReadImages(labels),
            Throws.TypeOf<DataException>().With.Message.Contains("wrong magic").And.Message.Contains("swapped"));
        Assert.That(() => IdxReader.ReadImages(junk),
            Throws.TypeOf<DataException>().With.Message.Contains("wrong magic").And.Message.Contains("not an IDX file"));
    }

    [Test]
    public void ExtraBytesAfterThePromisedDataAreReported()
    {
        using var dir = new TempFolder();
        var plain = dir.File("long");
        File.WriteAllBytes(plain, [.. DataFiles.IdxImages(2, 2, 2, new byte[8]), 1, 2, 3]);
        var gz = dir.File("long.gz");
        File.WriteAllBytes(gz, DataFiles.Gzip([.. DataFiles.IdxLabels([1, 2]), 9]));

        Assert.That(() => IdxReader.ReadImages(plain), Throws.TypeOf<DataException>().With.Message.Contains("holds 11 bytes"));
        Assert.That(() => IdxReader.ReadLabels(gz), Throws.TypeOf<DataException>().With.Message.Contains("more data than its header"));
    }

    [Test]
    public void ImageAndLabelCountsMustAgree()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("i"), DataFiles.IdxImages(3, 1, 1, [1, 2, 3]));
        File.WriteAllBytes(dir.File("l"), DataFiles.IdxLabels([1, 2]));

        Assert.That(() => IdxReader.Read("x", dir.File("i"), dir.File("l")),
            Throws.TypeOf<DataException>().With.Message.Contains("2 labels").And.Message.Contains("3 images"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AForgedHugeCountFailsFastWithoutAllocating(bool gzip)
    {
        using var dir = new TempFolder();
        var path = dir.File(gzip ? "forged.gz" : "forged");
        var header = DataFiles.IdxImages(1, 28, 28, new byte[84]); // 100 bytes in all
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), int.MaxValue);
        File.WriteAllBytes(path, gzip ? DataFiles.Gzip(header) : header);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        Assert.That(() => IdxReader.ReadImages(path), Throws.TypeOf<DataException>().With.Message.Contains(path));
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(2));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16L << 20), "no buffer sized from the forged header");
    }

    [Test]
    public void ACountWithTheTopBitSetIsAbsurd()
    {
        using var dir = new TempFolder();
        var path = dir.File("neg");
        var bytes = DataFiles.IdxImages(1, 1, 1, [0]);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), 1u << 31);
        File.WriteAllBytes(path, bytes);

        Assert.That(() => IdxReader.ReadImages(path), Throws.TypeOf<DataException>().With.Message.Contains("absurd image count 2147483648"));
    }

    [Test]
    public void AGzipThatIsNotOneIsReported()
    {
        using var dir = new TempFolder();
        var fake = dir.File("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(fake, DataFiles.IdxImages(1, 1, 1, [0]));
        var garbage = dir.File("garbage");
        File.WriteAllBytes(garbage, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

        Assert.That(() => IdxReader.ReadImages(fake),
            Throws.TypeOf<DataException>().With.Message.Contains("has a .gz name but is not gzip"));
        Assert.That(() => IdxReader.ReadImages(garbage), Throws.TypeOf<DataException>().With.Message.Contains(garbage));
    }

    [Test]
    public void CifarFilesOfTheWrongSizeOrWithBadLabelsAreReported()
    {
        using var dir = new TempFolder();
        var cut = dir.File("cut.bin");
        File.WriteAllBytes(cut, DataFiles.Cifar([[1], [2]], new byte[2 * 3072])[..5000]);
        var badLabel = dir.File("bad.bin");
        File.WriteAllBytes(badLabel, DataFiles.Cifar([[1], [12]], new byte[2 * 3072]));

        Assert.That(() => CifarReader.Read("c", [cut], CifarVariant.Cifar10),
            Throws.TypeOf<DataException>().With.Message.Contains("not a whole number of 3073-byte"));
        Assert.That(() => CifarReader.Read("c", [badLabel], CifarVariant.Cifar10),
            Throws.TypeOf<DataException>().With.Message.Contains("record 1 has label 12"));
    }

    [Test]
    public void TruncatedMatFileIsReported()
    {
        using var dir = new TempFolder();
        var path = dir.File("cut.mat");
        var whole = DataFiles.SvhnMat(new byte[2 * 3072], 2, 32, 32, 3, [1, 2], compressed: false, yAsUInt8: false);
        File.WriteAllBytes(path, whole[..3000]);

        Assert.That(() => SvhnReader.Read("s", path), Throws.TypeOf<DataException>().With.Message.Contains("truncated"));
    }

    [Test]
    public void AForgedMatrixSizeInACompressedElementFailsFast()
    {
        // A compressed matrix whose dims claim 2^31-ish pixels: the bound from the compressed size catches it.
        using var dir = new TempFolder();
        var path = dir.File("forged.mat");
        var element = DataFiles.Matrix("X", 9, [32, 32, 3, 600000], 2, new byte[16]);
        BinaryPrimitives.WriteInt32LittleEndian(element.AsSpan(4), int.MaxValue - 7);
        using (var file = File.Create(path))
        {
            var header = new byte[128];
            "MATLAB 5.0 MAT-file"u8.CopyTo(header);
            header[126] = (byte)'I';
            header[127] = (byte)'M';
            file.Write(header);
            var z = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                zlib.Write(element);
            file.Write(BitConverter.GetBytes(15));
            file.Write(BitConverter.GetBytes((int)z.Length));
            file.Write(z.ToArray());
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(() => SvhnReader.Read("s", path), Throws.TypeOf<DataException>().With.Message.Contains(path));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16L << 20));
    }

    [Test]
    public void MatDimsThatDisagreeWithTheDataAreReported()
    {
        using var dir = new TempFolder();
        var path = dir.File("mismatch.mat");
        using (var file = File.Create(path))
        {
            var header = new byte[128];
            "MATLAB 5.0 MAT-file"u8.CopyTo(header);
            header[126] = (byte)'I';
            header[127] = (byte)'M';
            file.Write(header);
            file.Write(DataFiles.Matrix("X", 9, [32, 32, 3, 2], 2, new byte[3072])); // dims say 2 images, data holds 1
        }

        Assert.That(() => SvhnReader.Read("s", path), Throws.TypeOf<DataException>().With.Message.Contains("need 6144 elements"));
    }

    [Test]
    public void AFileOfUnknownFormatIsReported()
    {
        using var dir = new TempFolder();
        var path = dir.File("notes.txt");
        File.WriteAllText(path, "hello");

        Assert.That(() => DatasetLoader.Load(path, DatasetSplit.Test, new DataOptions()),
            Throws.TypeOf<DataException>().With.Message.Contains("cannot tell the format"));
        Assert.That(() => DatasetLoader.Load(dir.File("absent/file.gz"), DatasetSplit.Test, new DataOptions()),
            Throws.TypeOf<DataException>().With.Message.Contains("no file or folder"));
    }
}

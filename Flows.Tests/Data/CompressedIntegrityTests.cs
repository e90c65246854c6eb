using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>Compressed containers carry checksums; a file whose checksum or framing is wrong is refused, not read.</summary>
public class CompressedIntegrityTests
{
    private static byte[] GoodIdxGzip() => DataFiles.Gzip(DataFiles.IdxImages(3, 4, 4, DataFiles.Pattern(48)));

    private static void AssertIdxFails(byte[] bytes, params string[] fragments)
    {
        using var dir = new TempFolder();
        string path = dir.File("images-idx3-ubyte.gz");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path))!;
        Assert.That(ex.Message, Does.Contain(path));
        foreach (var f in fragments) Assert.That(ex.Message, Does.Contain(f).IgnoreCase);
    }

    [Test]
    public void AGoodGzipStillReads()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("i.gz"), GoodIdxGzip());
        Assert.That(IdxReader.ReadImages(dir.File("i.gz")).Count, Is.EqualTo(3));
    }

    [Test]
    public void AGzipWithoutItsCrcTrailerIsRefused() => AssertIdxFails(GoodIdxGzip()[..^8], "gzip");

    [Test]
    public void AGzipMissingHalfItsTrailerIsRefused() => AssertIdxFails(GoodIdxGzip()[..^4], "gzip");

    [Test]
    public void AGzipWithAWrongCrcIsRefused()
    {
        var bytes = GoodIdxGzip();
        bytes[^8] ^= 0x5A;
        AssertIdxFails(bytes, "CRC");
    }

    [Test]
    public void AGzipFollowedByGarbageIsRefused() => AssertIdxFails([.. GoodIdxGzip(), .. "trailing garbage"u8.ToArray()], "gzip");

    [Test]
    public void AGzipLabelsFileFollowedByZerosIsRefused()
    {
        using var dir = new TempFolder();
        string path = dir.File("labels.gz");
        File.WriteAllBytes(path, [.. DataFiles.Gzip(DataFiles.IdxLabels([1, 2, 3])), 0, 0, 0, 0]);
        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path))!;
        Assert.That(ex.Message, Does.Contain(path));
    }

    [Test]
    public void AMatCompressedElementWithAWrongAdler32IsRefused()
    {
        var bytes = DataFiles.SvhnMat(DataFiles.Pattern(2 * 3 * 4 * 5), 2, 4, 5, 3, [2, 3], compressed: true, yAsUInt8: false);
        int nbytes = BitConverter.ToInt32(bytes, 128 + 4);
        bytes[128 + 8 + nbytes - 1] ^= 0x01; // the last byte of the first element's zlib stream: its Adler-32
        using var dir = new TempFolder();
        string path = dir.File("svhn.mat");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<DataException>(() => MatFileReader.Read(path, new HashSet<string> { "X", "y" }))!;
        Assert.That(ex.Message, Does.Contain(path));
        Assert.That(ex.Message, Does.Contain("Adler-32"));
    }

    [Test]
    public void AMatCompressedElementWithJunkAfterItsZlibStreamIsRefused()
    {
        var good = DataFiles.SvhnMat(DataFiles.Pattern(3 * 4 * 5), 1, 4, 5, 3, [2], compressed: true, yAsUInt8: false);
        int nbytes = BitConverter.ToInt32(good, 128 + 4);
        // Grow the first element by 4 junk bytes and its tag with it: the zlib stream no longer ends the element.
        byte[] bytes = [.. good[..(128 + 8 + nbytes)], 1, 2, 3, 4, .. good[(128 + 8 + nbytes)..]];
        BitConverter.GetBytes(nbytes + 4).CopyTo(bytes, 128 + 4);
        using var dir = new TempFolder();
        string path = dir.File("svhn.mat");
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<DataException>(() => MatFileReader.Read(path, new HashSet<string> { "X", "y" }))!;
        Assert.That(ex.Message, Does.Contain(path));
    }

    [Test]
    public void AGoodCompressedMatStillReads()
    {
        var bytes = DataFiles.SvhnMat(DataFiles.Pattern(2 * 3 * 4 * 5), 2, 4, 5, 3, [2, 3], compressed: true, yAsUInt8: false);
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("svhn.mat"), bytes);
        Assert.That(MatFileReader.Read(dir.File("svhn.mat"), new HashSet<string> { "X", "y" }).Keys, Is.EquivalentTo(new[] { "X", "y" }));
    }
}

using Flows.Core.Data;

namespace Flows.Tests.Data;

public class SvhnReaderTests
{
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    [TestCase(false, true)]
    public void ReadsXAndYFromUncompressedAndCompressedElements(bool compressed, bool yAsUInt8)
    {
        using var dir = new TempFolder();
        const int n = 3;
        var chw = DataFiles.Pattern(n * 3 * 32 * 32, seed: 5);
        var path = dir.File("test_32x32.mat");
        File.WriteAllBytes(path, DataFiles.SvhnMat(chw, n, 32, 32, 3, [10, 1, 7], compressed, yAsUInt8));

        var set = SvhnReader.Read("svhn", path);

        Assert.That(set.Count, Is.EqualTo(n));
        Assert.That((set.Channels, set.Height, set.Width), Is.EqualTo((3, 32, 32)));
        Assert.That(set.Labels, Is.EqualTo(new[] { 0, 1, 7 }), "label 10 stands for the digit 0");
        Assert.That(set.CopyPixels(), Is.EqualTo(chw), "column-major X must come out as C×H×W");
    }

    [Test]
    public void NonSquareImagesKeepRowsAndColumnsApart()
    {
        using var dir = new TempFolder();
        var chw = DataFiles.Pattern(2 * 3 * 4 * 5, seed: 9);
        var path = dir.File("odd.mat");
        File.WriteAllBytes(path, DataFiles.SvhnMat(chw, 2, 4, 5, 3, [2, 3], compressed: true, yAsUInt8: false));

        var set = DatasetLoader.Load(path, DatasetSplit.Test, new DataOptions());

        Assert.That((set.Height, set.Width), Is.EqualTo((4, 5)));
        Assert.That(set.CopyPixels(), Is.EqualTo(chw));
    }

    [Test]
    public void BigEndianFilesAreRead()
    {
        // The marker says big-endian, so every tag must be byte-swapped: build one by swapping a little-endian file.
        using var dir = new TempFolder();
        var path = dir.File("be.mat");
        var little = DataFiles.SvhnMat(new byte[3 * 32 * 32], 1, 32, 32, 3, [4], compressed: false, yAsUInt8: true);
        File.WriteAllBytes(path, SwapTags(little));

        var set = SvhnReader.Read("be", path);

        Assert.That(set.Labels, Is.EqualTo(new[] { 4 }));
    }

    [Test]
    public void AMatlab73FileIsRejectedWithAHint()
    {
        using var dir = new TempFolder();
        var path = dir.File("v73.mat");
        var bytes = new byte[512];
        "MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);

        Assert.That(() => SvhnReader.Read("x", path),
            Throws.TypeOf<DataException>().With.Message.Contains("7.3").And.Message.Contains("-v7"));
    }

    // Swaps the uint32 words of each element tag and each int32 of the dims, and sets the 'MI' marker.
    private static byte[] SwapTags(byte[] little)
    {
        var b = (byte[])little.Clone();
        b[126] = (byte)'M';
        b[127] = (byte)'I';
        void Swap(int at) => Array.Reverse(b, at, 4);
        int pos = 128;
        while (pos < b.Length)
        {
            int nbytes = BitConverter.ToInt32(little, pos + 4);
            int body = pos + 8, end = body + nbytes;
            Swap(pos);
            Swap(pos + 4);
            // flags: tag + 2 words
            Swap(body); Swap(body + 4); Swap(body + 8); Swap(body + 12);
            int dimsTag = body + 16;
            int dimsBytes = BitConverter.ToInt32(little, dimsTag + 4);
            Swap(dimsTag); Swap(dimsTag + 4);
            for (int i = 0; i < dimsBytes; i += 4)
                Swap(dimsTag + 8 + i);
            int nameTag = dimsTag + 8 + dimsBytes + (8 - dimsBytes % 8) % 8;
            // small-format name tag: the packed (length << 16 | type) word is one uint32
            Swap(nameTag);
            int realTag = nameTag + 8;
            Swap(realTag); Swap(realTag + 4);
            pos = end;
        }
        return b;
    }
}

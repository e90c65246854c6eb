using System.Buffers.Binary;
using System.Text;
using Flows.Core.Data.Numpy;

namespace Flows.Tests.Data.Numpy;

/// <summary>
/// Byte-exact conformance with numpy.save. The expected bytes follow numpy's format.py (_write_array_header and
/// _wrap_header, numpy ≥ 1.24): the dict with sorted keys, each "'key': repr(value), ", then "}"; then
/// 21 - len(repr(shape[0])) growth spaces (GROWTH_AXIS_MAX_DIGITS); then hlen = len + 1 and
/// padlen = 64 - (10 + hlen) % 64 spaces and '\n'. These exact byte strings were also checked against numpy 1.24.2.
/// </summary>
public class NpyWriterTests
{
    private static byte[] Expected(string dict, int totalHeaderBytes)
    {
        var bytes = new byte[totalHeaderBytes];
        NpyReader.Magic.CopyTo(bytes);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)(totalHeaderBytes - 10));
        Encoding.ASCII.GetBytes(dict).CopyTo(bytes, 10);
        bytes.AsSpan(10 + dict.Length).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    [Test]
    public void A2DFloat32HeaderIsWhatNumpyWrites()
    {
        // numpy 1.24.2, np.save(f, np.zeros((2, 3), np.float32)): length field 0x0076, 128 bytes before the data.
        var expected = Expected("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 128);
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var bytes = stream.ToArray();
        Assert.That(bytes.AsSpan(0, 128).ToArray(), Is.EqualTo(expected));
        Assert.That(bytes.Length, Is.EqualTo(128 + 24));
        Assert.That(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(128 + 20)), Is.EqualTo(6f));
    }

    [Test]
    public void A1DShapeIsWrittenWithItsTrailingComma()
    {
        var expected = Expected("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", 128);
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, new long[] { 1, 2, 3, 4, -5 }, [5]);
        Assert.That(stream.ToArray().AsSpan(0, 128).ToArray(), Is.EqualTo(expected));
        Assert.That(BinaryPrimitives.ReadInt64LittleEndian(stream.ToArray().AsSpan(128 + 32)), Is.EqualTo(-5));
    }

    [Test]
    public void TheGrowthSpacesAndTheFortranFlagFollowNumpy()
    {
        Assert.That(NpyHeader.Format("<f8", true, [2, 3]),
            Is.EqualTo("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }" + new string(' ', 20)));
        Assert.That(NpyHeader.Format("<f4", false, [100000, 1792]),
            Is.EqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 1792), }" + new string(' ', 15)));
        Assert.That(NpyHeader.Format("<f4", false, []), Is.EqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (), }"), "a 0-d array has no growth axis");
        Assert.That(NpyWriter.Header("<f4", false, []), Is.EqualTo(Expected("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 128)));
    }

    [Test]
    public void AnAlreadyAlignedHeaderGetsAFull64BytesOfPadding()
    {
        // 10 + 117 + 1 = 128 is aligned, yet _wrap_header's padlen = 64 - 0 = 64: numpy 1.24.2 writes 192 bytes
        // (length field 0x00b6) for np.zeros((0, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1, 1), np.float32).
        long[] shape = [0, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1, 1];
        var header = NpyWriter.Header("<f4", false, shape);
        Assert.That(header.Length, Is.EqualTo(192));
        Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)), Is.EqualTo(0xb6));
        Assert.That(header, Is.EqualTo(Expected(NpyHeader.Format("<f4", false, shape).TrimEnd(), 192)));
    }

    [Test]
    public void AHeaderTooLongForVersion1IsWrittenAsVersion2()
    {
        var shape = Enumerable.Repeat(1L, 14000).Prepend(0).ToArray(); // ~42,000 characters of shape
        var small = NpyWriter.Header("<f4", false, shape);
        Assert.That((small[6], small.Length % 64), Is.EqualTo(((byte)1, 0)));
        shape = Enumerable.Repeat(1L, 22000).Prepend(0).ToArray(); // over 65,535
        var big = NpyWriter.Header("<f4", false, shape);
        Assert.That(big[6], Is.EqualTo(2));
        Assert.That(big.Length % 64, Is.EqualTo(0));
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(big.AsSpan(8)), Is.EqualTo(big.Length - 12));
        using var stream = new MemoryStream(big);
        var parsed = NpyReader.ReadHeader(stream, "big.npy");
        Assert.That((parsed.Major, parsed.Shape.Length, parsed.Count), Is.EqualTo((2, 22001, 0L)));
    }

    [Test]
    public void EveryDataStartIsAlignedTo64()
    {
        foreach (var shape in new[] { new[] { 1 }, [7, 3], [12345, 0], [1, 2, 3, 4] })
        {
            using var stream = new MemoryStream();
            NpyWriter.Write(stream, new float[shape.Aggregate(1, (a, b) => a * b)], shape);
            stream.Position = 0;
            Assert.That(NpyReader.ReadHeader(stream, "x").DataOffset % 64, Is.EqualTo(0), string.Join(",", shape));
        }
    }

    [Test]
    public void AShapeThatDoesNotMatchTheDataIsRefused() =>
        Assert.That(() => NpyWriter.Write(new MemoryStream(), new float[5], [2, 3]), Throws.ArgumentException.With.Message.Contains("holds 6 elements"));
}

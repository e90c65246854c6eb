using System.Buffers.Binary;
using System.Text;
using Flows.Core.Data;
using Flows.Core.Data.Numpy;
using static Flows.Tests.Data.Numpy.NpyBytes;

namespace Flows.Tests.Data.Numpy;

public class NpyReaderTests
{
    private static NpyArray<float> ReadF(byte[] file) => NpyReader.ReadFloat32(new MemoryStream(file), "t.npy");

    private static NpyArray<int> ReadI(byte[] file) => NpyReader.ReadInt32(new MemoryStream(file), "t.npy");

    [Test]
    public void WhatTheWriterWritesReadsBack()
    {
        var values = Enumerable.Range(0, 12).Select(i => i * 0.25f - 1).ToArray();
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, values, [3, 4]);
        stream.Position = 0;
        var array = NpyReader.ReadFloat32(stream, "t.npy");
        Assert.That(array.Shape, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(array.Data, Is.EqualTo(values));

        using var ints = new MemoryStream();
        NpyWriter.Write(ints, new long[] { 0, 1, -1, int.MaxValue }, [4]);
        ints.Position = 0;
        Assert.That(NpyReader.ReadInt32(ints, "l.npy").Data, Is.EqualTo(new[] { 0, 1, -1, int.MaxValue }));
    }

    [Test]
    public void Version2And3HeadersAreRead()
    {
        var v2 = Build(2, Dict("<f4", "(2,)"), Floats(1.5f, -2f));
        Assert.That(ReadF(v2).Data, Is.EqualTo(new[] { 1.5f, -2f }));
        // 3.0 is 2.0 with a UTF-8 header; 16-byte alignment is what numpy before 1.14 wrote, and must still read.
        var v3 = Build(3, Dict("<f8", "(1, 2)"), Doubles(0.1, 3), align: 16, encoding: Encoding.UTF8);
        var array = ReadF(v3);
        Assert.That(array.Shape, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(array.Data, Is.EqualTo(new[] { 0.1f, 3f }), "float64 is converted to float32");
        var header = NpyReader.ReadHeader(new MemoryStream(v3), "t.npy");
        Assert.That((header.Major, header.DataOffset), Is.EqualTo((3, 80L)));
    }

    [Test]
    public void KeysMayComeInAnyOrderWithDoubleQuotesAndNoTrailingComma()
    {
        var file = Build(1, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<i4\"}", [1, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        Assert.That(ReadI(file).Data, Is.EqualTo(new[] { 1, 2, -1 }));
    }

    [Test]
    public void LabelTypesAreReadAsInt32()
    {
        Assert.That(ReadI(Build(1, Dict("|u1", "(3,)"), [0, 7, 255])).Data, Is.EqualTo(new[] { 0, 7, 255 }));
        Assert.That(ReadI(Build(1, Dict("|i1", "(3,)"), [0, 7, 255])).Data, Is.EqualTo(new[] { 0, 7, -1 }));
        Assert.That(ReadI(Build(1, Dict("|b1", "(3,)"), [0, 1, 2])).Data, Is.EqualTo(new[] { 0, 1, 1 }));
        Assert.That(ReadI(Build(1, Dict("<i8", "(2,)"), Longs(-3, 1L << 30))).Data, Is.EqualTo(new[] { -3, 1 << 30 }));
    }

    [Test]
    public void AnInt64LabelOutsideInt32IsAClearError() =>
        Assert.That(() => ReadI(Build(1, Dict("<i8", "(3,)"), Longs(0, 1, 1L << 40))),
            Throws.TypeOf<DataException>().With.Message.Contains("element 2 is 1099511627776").And.Message.Contains("t.npy"));

    [Test]
    public void BigEndianArraysAreByteSwapped()
    {
        var f = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(f, 1.25f);
        BinaryPrimitives.WriteSingleBigEndian(f.AsSpan(4), -7f);
        Assert.That(ReadF(Build(1, Dict(">f4", "(2,)"), f)).Data, Is.EqualTo(new[] { 1.25f, -7f }));
        var i = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(i, 123456);
        Assert.That(ReadI(Build(1, Dict(">i4", "(1,)"), i)).Data, Is.EqualTo(new[] { 123456 }));
    }

    [Test]
    public void AFortranOrder2DArrayIsTransposedToCOrder()
    {
        // np.asfortranarray(np.arange(6.).reshape(2, 3)) stores the columns: 0 3 1 4 2 5.
        var file = Build(1, Dict("<f8", "(2, 3)", fortran: true), Doubles(0, 3, 1, 4, 2, 5));
        var array = ReadF(file);
        Assert.That(array.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(array.Data, Is.EqualTo(new float[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(ReadF(Build(1, Dict("<f4", "(2,)", fortran: true), Floats(4, 5))).Data, Is.EqualTo(new[] { 4f, 5f }), "1-D is the same in both orders");
        Assert.That(() => ReadF(Build(1, Dict("<f4", "(1, 1, 2)", fortran: true), Floats(4, 5))),
            Throws.TypeOf<DataException>().With.Message.Contains("Fortran-order array of shape (1, 1, 2)"));
    }

    [Test]
    public void Float16IsConverted() =>
        Assert.That(ReadF(Build(1, Dict("<f2", "(2,)"), [0x00, 0x3c, 0x00, 0xc0])).Data, Is.EqualTo(new[] { 1f, -2f }));

    [Test]
    public void TheWrongKindOfArrayIsAClearError()
    {
        Assert.That(() => ReadF(Build(1, Dict("<i8", "(1,)"), Longs(1))), Throws.TypeOf<DataException>().With.Message.Contains("<i8 values where floats"));
        Assert.That(() => ReadI(Build(1, Dict("<f4", "(1,)"), Floats(1))), Throws.TypeOf<DataException>().With.Message.Contains("floats where integers"));
    }

    private static readonly (string Name, byte[] File, string Message)[] Malformed =
    [
        ("bad magic", Encoding.ASCII.GetBytes("PK\x03\x04 this is a zip, not an npy file"), "not a numpy .npy file"),
        ("empty", [], "not a numpy .npy file"),
        ("version 4", Build(1, Dict("<f4", "(1,)"), new byte[4]).Select((b, i) => i == 6 ? (byte)4 : b).ToArray(), "version 4.0 is not supported"),
        ("prefix cut", Build(1, Dict("<f4", "(1,)"), new byte[4])[..9], "truncated"),
        ("header past the file", Build(1, Dict("<f4", "(1,)"), new byte[4])[..40], "past the end of the file"),
        ("v2 header past the file", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xff, 0xff, 0xff, 0x7f, (byte)'{'], "past the end of the file"),
        ("no brace", Build(1, "'descr': '<f4', 'fortran_order': False, 'shape': (1,)", new byte[4]), "expected '{'"),
        ("unclosed", Build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", new byte[4]), "expected '}'"),
        ("shape is an int", Build(1, Dict("<f4", "(1)"), new byte[4]), "not a tuple"),
        ("negative dimension", Build(1, Dict("<f4", "(-1,)"), new byte[4]), "non-negative integers"),
        ("fortran not a bool", Build(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", new byte[4]), "True or False"),
        ("missing key", Build(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4]), "lacks 'fortran_order'"),
        ("extra key", Build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", new byte[4]), "unexpected key 'x'"),
        ("duplicate key", Build(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", new byte[4]), "appears twice"),
        ("text after", Build(1, Dict("<f4", "(1,)") + " junk", new byte[4]), "text after the closing"),
        ("object dtype", Build(1, Dict("|O", "(1,)"), new byte[8]), "object array"),
        ("structured dtype", Build(1, "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]), "structured numpy array"),
        ("string dtype", Build(1, Dict("<U3", "(1,)"), new byte[12]), "unsupported numpy dtype '<U3'"),
        ("shape overflows", Build(1, Dict("<f4", "(4294967296, 4294967296, 4294967296)"), new byte[4]), "more elements than fit in 64 bits"),
        ("bytes overflow", Build(1, Dict("<f8", "(4611686018427387904,)"), new byte[4]), "more bytes than fit in 64 bits"),
        ("shape past the data", Build(1, Dict("<f4", "(1000000000,)"), new byte[8]), "needs 4000000000 data bytes but only 8 are present"),
        ("truncated data", Build(1, Dict("<f4", "(2, 3)"), new byte[20]), "needs 24 data bytes but only 20"),
    ];

    private static IEnumerable<TestCaseData> MalformedCases() => Malformed.Select(m => new TestCaseData(m.File, m.Message).SetName($"Malformed_{m.Name.Replace(' ', '_')}"));

    [TestCaseSource(nameof(MalformedCases))]
    public void AMalformedFileIsOneClearDataException(byte[] file, string message)
    {
        Assert.That(() => ReadF(file), Throws.TypeOf<DataException>().With.Message.Contains(message).And.Message.StartsWith("t.npy: "));
    }

    [Test]
    public void AHugeClaimOnAStreamOfUnknownLengthAllocatesOnlyWhatArrives()
    {
        // 10^9 floats claimed, 8 bytes present, length hidden: the reader must fail on the data, not on a 4 GB array.
        var file = Build(1, Dict("<f4", "(1000000000,)"), new byte[8]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(() => NpyReader.ReadFloat32(new UnseekableStream(new MemoryStream(file)), "pipe.npy"),
            Throws.TypeOf<DataException>().With.Message.Contains("the data ends after 8 of 4000000000 bytes"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16L << 20));
    }

    [Test]
    public void AnUnknownLengthStreamStillReadsWholeArrays()
    {
        var values = Enumerable.Range(0, 700_000).Select(i => (float)i).ToArray(); // > one 1 MiB chunk: the array grows
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, values, [700_000]);
        var array = NpyReader.ReadFloat32(new UnseekableStream(new MemoryStream(stream.ToArray())), "pipe.npy");
        Assert.That(array.Data, Is.EqualTo(values));
    }

    [Test]
    public void AMissingFileIsAClearError() =>
        Assert.That(() => NpyReader.ReadFloat32("/nonexistent/x.npy"), Throws.TypeOf<DataException>().With.Message.Contains("no file at /nonexistent/x.npy"));
}

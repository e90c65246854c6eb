using System.Buffers.Binary;
using System.Text;
using Flows.Core.Checkpoints;

namespace Flows.Tests.Checkpoints;

public class SafeTensorsCorruptionTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string Raw(byte[] bytes)
    {
        string path = _dir.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Build(string headerJson, int dataBytes, ulong? headerSize = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerSize ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return Raw(bytes);
    }

    private static void AssertFails(string path, params string[] fragments)
    {
        var ex = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Read(path))!;
        Assert.That(ex.Message, Does.Contain(path), "the message names the file");
        Assert.That(ex.FilePath, Is.EqualTo(path));
        foreach (var f in fragments) Assert.That(ex.Message, Does.Contain(f));
    }

    [Test]
    public void MissingFile() => AssertFails(_dir.File("nope.safetensors"), "does not exist");

    [Test]
    public void FolderInsteadOfFile() => AssertFails(_dir.Path, "is a folder");

    [Test]
    public void ShorterThanEightBytes() => AssertFails(Raw(new byte[] { 1, 2, 3 }), "truncated", "Re-run training or pick another checkpoint");

    [Test]
    public void AbsurdHeaderSize() => AssertFails(Build("{}", 0, headerSize: 200_000_000), "header size", "not a safetensors file");

    [Test]
    public void HeaderSizeLargerThanTheFile() => AssertFails(Build("{}", 0, headerSize: 1000), "truncated");

    [Test]
    public void HeaderNotJson() => AssertFails(Build("PK\u0003\u0004 this is a zip", 0), "not valid UTF-8 JSON");

    [Test]
    public void HeaderNotUtf8() => AssertFails(Raw(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, 0x22, 0xff, 0xfe, 0x22 }), "not valid UTF-8 JSON");

    [Test]
    public void HeaderNotAnObject() => AssertFails(Build("[1, 2, 3]", 0), "not an object");

    [Test]
    public void MetadataNotStrings() => AssertFails(Build("{\"__metadata__\":{\"epoch\":3}}", 0), "metadata 'epoch'");

    [Test]
    public void OffsetsBeyondTheData() =>
        AssertFails(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "'w'", "truncated");

    [Test]
    public void OffsetsNotMatchingShape() =>
        AssertFails(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16), "'w'", "12 bytes", "span 16");

    [Test]
    public void OffsetsDecreasing() =>
        AssertFails(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 16), "not an increasing pair");

    [Test]
    public void OverlappingArrays() =>
        AssertFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                          + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16), "'a'", "'b'", "overlap");

    [Test]
    public void UnknownDtype() =>
        AssertFails(Build("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), "'BF16'", "float32");

    [Test]
    public void MissingShape() =>
        AssertFails(Build("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "no 'shape'");

    [Test]
    public void TruncatedRealCheckpoint()
    {
        string good = _dir.File("good.safetensors");
        SafeTensorsWriter.Write(good, new[] { new NamedArray("w", new[] { 16 }, new float[16]) });
        var bytes = File.ReadAllBytes(good);
        AssertFails(Raw(bytes[..^4]), "'w'", "truncated");
    }

    [Test]
    public void ZeroElementArrayWithADimensionOverInt32IsRefusedByName() =>
        AssertFails(Build("{\"huge\":{\"dtype\":\"F32\",\"shape\":[0,2147483648],\"data_offsets\":[0,0]}}", 0),
            "'huge'", "2147483648");

    [Test]
    public void ShapeInt32OfAnOversizedDimensionNamesTheArray()
    {
        var array = new NamedArray("huge", new long[] { 0, 1L << 31 }, new float[0]);
        var ex = Assert.Throws<InvalidOperationException>(() => array.ShapeInt32())!;
        Assert.That(ex.Message, Does.Contain("'huge'"));
    }

    [Test]
    public void GapBetweenArrays() =>
        AssertFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                          + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20), "'b'", "gap");

    [Test]
    public void GapBeforeTheFirstArray() =>
        AssertFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "'a'", "gap");

    [Test]
    public void TrailingBytesAfterTheLastArray() =>
        AssertFails(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12), "4 bytes", "after");

    [Test]
    public void TrailingBytesWithNoArrays() =>
        AssertFails(Build("{}", 3), "3 bytes", "after");

    [Test]
    public void WrittenCheckpointsAreContiguous()
    {
        string good = _dir.File("good.safetensors");
        SafeTensorsWriter.Write(good, new[] { new NamedArray("a", new[] { 3 }, new float[3]), new NamedArray("e", new[] { 0 }, new float[0]),
            new NamedArray("b", new[] { 2 }, new double[2]) });
        Assert.That(SafeTensorsFile.Read(good).Names, Is.EqualTo(new[] { "a", "e", "b" }));
    }
}

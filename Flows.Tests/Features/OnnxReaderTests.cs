using Flows.Core.Features;
using Flows.Core.Onnx;
using Flows.Kernels.Cpu;
using static Flows.Tests.Features.TinyModels;

namespace Flows.Tests.Features;

/// <summary>The protobuf reader and the ONNX messages: round trips, both repeated encodings, and each malformed input's exact error.</summary>
public class OnnxReaderTests
{
    private static OnnxModel OneConv(params OnnxAttribute[] extra) =>
        Model([1, 2, 5, 5], [1, 2, 5, 5], [Node("Conv", ["X", "W"], "Y", [Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), .. extra])], Floats("W", [2, 2, 3, 3], 1));

    [Test]
    public void AModelRoundTripsThroughWriterAndReader()
    {
        var model = OneConv(Int("group", 1), Text("auto_pad", "NOTSET"), Float("alpha", 0.25f));
        var back = OnnxModel.Parse(OnnxWriter.Write(model));
        Assert.That(back.IrVersion, Is.EqualTo(7));
        Assert.That(back.OpsetImports, Is.EqualTo(new[] { ("", 13L) }));
        var node = back.Graph.Nodes.Single();
        Assert.That((node.OpType, node.Inputs, node.Outputs), Is.EqualTo(("Conv", new[] { "X", "W" }, new[] { "Y" })));
        Assert.That(node.Attribute("pads")!.Ints, Is.EqualTo(new long[] { 1, 1, 1, 1 }));
        Assert.That(node.Attribute("auto_pad")!.Text, Is.EqualTo("NOTSET"));
        Assert.That(node.Attribute("alpha")!.F, Is.EqualTo(0.25f));
        Assert.That(back.Graph.Initializers.Single().Floats, Is.EqualTo(model.Graph.Initializers.Single().Floats));
        Assert.That(back.Graph.Inputs.Single().Dims, Is.EqualTo(new long[] { 1, 2, 5, 5 }));
    }

    [Test]
    public void UnpackedRepeatedFieldsAndUnknownFieldsAreRead()
    {
        // A TensorProto with dims unpacked (two varint fields), float_data unpacked, and an unknown fixed64 field 99.
        var t = new ProtoWriter();
        t.Int64(1, 2);
        t.Int64(1, 1);
        t.Int64(2, (long)OnnxDataType.Float);
        t.Float(4, 1.5f);
        t.Float(4, -2f);
        t.Tag(99, WireType.Fixed64);
        t.Varint(0); // unknown field's 8 bytes follow as a fixed64: write them raw
        for (int i = 0; i < 7; i++) t.Varint(0);
        t.String(8, "w");
        var tensor = OnnxTensor_Parse(t.ToArray());
        Assert.That(tensor.Dims, Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(tensor.Floats, Is.EqualTo(new[] { 1.5f, -2f }));
        Assert.That(tensor.Name, Is.EqualTo("w"));
    }

    private static OnnxTensor OnnxTensor_Parse(byte[] tensorBytes)
    {
        var graph = new ProtoWriter();
        graph.Bytes(5, tensorBytes);
        var model = new ProtoWriter();
        model.Bytes(7, graph.ToArray());
        return OnnxModel.Parse(model.ToArray()).Graph.Initializers.Single();
    }

    [Test]
    public void ATruncatedFileNamesTheTruncatedField()
    {
        var bytes = OnnxWriter.Write(OneConv());
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse(bytes.AsMemory(0, bytes.Length - 10)));
        Assert.That(e!.Message, Does.StartWith("ONNX ModelProto: a length-delimited field claims").And.Contain("remain (truncated or forged length)"));
    }

    [Test]
    public void AForgedLengthFailsBeforeAllocating()
    {
        var w = new ProtoWriter();
        w.Tag(7, WireType.LengthDelimited);
        w.Varint(int.MaxValue);
        w.Varint(1);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse(w.ToArray()));
        Assert.That(e!.Message, Is.EqualTo("ONNX ModelProto: a length-delimited field claims 2147483647 bytes but only 1 remain (truncated or forged length)"));
    }

    [Test]
    public void AForgedTensorSizeFailsBeforeAllocating()
    {
        var t = new ProtoWriter();
        t.PackedInt64(1, [1L << 20, 1L << 10]);
        t.Int64(2, (long)OnnxDataType.Float);
        t.String(8, "huge");
        t.Bytes(9, new byte[8]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxTensor_Parse(t.ToArray()));
        Assert.That(e!.Message, Is.EqualTo("ONNX tensor 'huge': raw_data has 8 bytes, dims need 4294967296"));
    }

    [Test]
    public void AnOverlongVarintIsMalformed()
    {
        var bytes = Enumerable.Repeat((byte)0xFF, 11).ToArray();
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse(bytes));
        Assert.That(e!.Message, Is.EqualTo("ONNX ModelProto: malformed varint (longer than 10 bytes)"));
    }

    [Test]
    public void AnUnsupportedDataTypeIsNamed()
    {
        var t = new ProtoWriter();
        t.PackedInt64(1, [1L]);
        t.Int64(2, (long)OnnxDataType.Double);
        t.String(8, "d");
        t.Bytes(9, new byte[8]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxTensor_Parse(t.ToArray()));
        Assert.That(e!.Message, Is.EqualTo("ONNX tensor 'd': data type Double is not supported (only Float and Int64)"));
    }

    private static string CompileError(OnnxModel model)
    {
        using var backend = new ManagedCpuBackend();
        var e = Assert.Throws<OnnxFormatException>(() => new OnnxNetwork(backend, OnnxModel.Parse(OnnxWriter.Write(model)).Graph).Dispose());
        return e!.Message;
    }

    [Test]
    public void AnUnknownOpIsNamed() =>
        Assert.That(CompileError(Model([1, 2], [1, 2], [Node("Softmax", ["X"], "Y")])),
            Is.EqualTo("ONNX node 'softmax_Y': op type 'Softmax' is not supported (supported: Conv, BatchNormalization, Relu, Add, MaxPool, AveragePool, GlobalAveragePool, Flatten)"));

    [TestCase("group", "ONNX node 'conv_Y' (Conv): group=2 (only 1) is not supported")]
    [TestCase("dilations", "ONNX node 'conv_Y' (Conv): dilations=[2, 2] (only 1) is not supported")]
    [TestCase("auto_pad", "ONNX node 'conv_Y' (Conv): auto_pad=SAME_UPPER (only NOTSET) is not supported")]
    public void AnUnsupportedConvAttributeIsNamed(string attribute, string message)
    {
        var extra = attribute switch
        {
            "group" => Int("group", 2),
            "dilations" => Ints("dilations", 2, 2),
            _ => Text("auto_pad", "SAME_UPPER"),
        };
        Assert.That(CompileError(OneConv(extra)), Is.EqualTo(message));
    }

    [Test]
    public void CeilModeIsRefused() =>
        Assert.That(CompileError(Model([1, 1, 4, 4], [1, 1, 2, 2], [Node("MaxPool", ["X"], "Y", Ints("kernel_shape", 2, 2), Int("ceil_mode", 1))])),
            Is.EqualTo("ONNX node 'maxpool_Y' (MaxPool): ceil_mode=1 (only 0) is not supported"));

    [Test]
    public void AMissingModelFolderSaysHowToFixIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ResNetModelFiles.Locate("/nonexistent/resnet"));
        Assert.That(e!.Message, Does.Contain("ResNet18.onnx is not in the folder given (/nonexistent/resnet): run `dotnet restore`").And.Contain(ResNetModelFiles.EnvironmentVariable));
    }
}

namespace Flows.Core.Onnx;

/// <summary>
/// A decoded ModelProto: the IR version, the operator sets it imports and its graph. Read with
/// <see cref="Load"/> (a file) or <see cref="Parse"/> (bytes); written back with <see cref="OnnxWriter"/>.
/// </summary>
public sealed record OnnxModel
{
    /// <summary>ir_version.</summary>
    public long IrVersion { get; init; }

    /// <summary>opset_import: (domain, version); the default domain is "".</summary>
    public IReadOnlyList<(string Domain, long Version)> OpsetImports { get; init; } = [];

    /// <summary>The model's graph.</summary>
    public required OnnxGraph Graph { get; init; }

    /// <summary>Reads a .onnx file. A missing file or malformed content gives one <see cref="OnnxFormatException"/> naming the file.</summary>
    public static OnnxModel Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"cannot read ONNX file {path}: {e.Message}", e);
        }
        try
        {
            return Parse(bytes);
        }
        catch (OnnxFormatException e)
        {
            throw new OnnxFormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Decodes a ModelProto from bytes; tensors are sliced from this memory and copied once.</summary>
    public static OnnxModel Parse(ReadOnlyMemory<byte> bytes)
    {
        var r = new ProtoReader(bytes, "ModelProto");
        long irVersion = 0;
        var opsets = new List<(string, long)>();
        OnnxGraph? graph = null;
        while (r.TryReadTag(out int field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.Varint, "ir_version"); irVersion = r.ReadInt64(); break;
                case 7: r.Expect(wt, WireType.LengthDelimited, "graph"); graph = OnnxGraph.Parse(r.ReadMessage("graph")); break;
                case 8: r.Expect(wt, WireType.LengthDelimited, "opset_import"); opsets.Add(ParseOpset(r.ReadMessage("opset_import"))); break;
                default: r.Skip(wt); break;
            }
        }
        if (graph is null) throw r.Error("the model has no graph (not an ONNX model, or truncated)");
        return new OnnxModel { IrVersion = irVersion, OpsetImports = opsets, Graph = graph };
    }

    private static (string, long) ParseOpset(ProtoReader r)
    {
        string domain = "";
        long version = 0;
        while (r.TryReadTag(out int field, out var wt))
        {
            if (field == 1) { r.Expect(wt, WireType.LengthDelimited, "domain"); domain = r.ReadString(); }
            else if (field == 2) { r.Expect(wt, WireType.Varint, "version"); version = r.ReadInt64(); }
            else r.Skip(wt);
        }
        return (domain, version);
    }
}

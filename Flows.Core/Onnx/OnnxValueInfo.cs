namespace Flows.Core.Onnx;

/// <summary>
/// A decoded ValueInfoProto: a graph input's or output's name, element type and shape. A dimension given
/// by a symbolic name (dim_param, e.g. "batch") is -1.
/// </summary>
public sealed record OnnxValueInfo
{
    /// <summary>The value's name.</summary>
    public required string Name { get; init; }

    /// <summary>type.tensor_type.elem_type.</summary>
    public OnnxDataType ElementType { get; init; }

    /// <summary>type.tensor_type.shape dims; -1 for a symbolic or missing dimension.</summary>
    public IReadOnlyList<long> Dims { get; init; } = [];

    /// <summary>Decodes a ValueInfoProto → TypeProto → TypeProto.Tensor → TensorShapeProto.</summary>
    internal static OnnxValueInfo Parse(ProtoReader r)
    {
        string name = "";
        int elemType = 0;
        var dims = new List<long>();
        while (r.TryReadTag(out int field, out var wt))
        {
            if (field == 1) { r.Expect(wt, WireType.LengthDelimited, "name"); name = r.ReadString(); }
            else if (field == 2) { r.Expect(wt, WireType.LengthDelimited, "type"); ParseType(r.ReadMessage($"{r.Context} type"), ref elemType, dims); }
            else r.Skip(wt);
        }
        return new OnnxValueInfo { Name = name, ElementType = (OnnxDataType)elemType, Dims = dims };
    }

    private static void ParseType(ProtoReader r, ref int elemType, List<long> dims)
    {
        while (r.TryReadTag(out int field, out var wt))
        {
            if (field != 1) { r.Skip(wt); continue; } // only tensor_type; sequences and maps are not ours
            r.Expect(wt, WireType.LengthDelimited, "tensor_type");
            var tensorType = r.ReadMessage($"{r.Context} tensor_type");
            while (tensorType.TryReadTag(out int f, out var w))
            {
                if (f == 1) { tensorType.Expect(w, WireType.Varint, "elem_type"); elemType = tensorType.ReadInt32(); }
                else if (f == 2) { tensorType.Expect(w, WireType.LengthDelimited, "shape"); ParseShape(tensorType.ReadMessage($"{r.Context} shape"), dims); }
                else tensorType.Skip(w);
            }
        }
    }

    private static void ParseShape(ProtoReader r, List<long> dims)
    {
        while (r.TryReadTag(out int field, out var wt))
        {
            if (field != 1) { r.Skip(wt); continue; }
            r.Expect(wt, WireType.LengthDelimited, "dim");
            var dim = r.ReadMessage($"{r.Context} dim");
            long value = -1;
            while (dim.TryReadTag(out int f, out var w))
            {
                if (f == 1) { dim.Expect(w, WireType.Varint, "dim_value"); value = dim.ReadInt64(); }
                else dim.Skip(w);
            }
            dims.Add(value);
        }
    }
}

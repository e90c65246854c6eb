namespace Flows.Core.Onnx;

/// <summary>
/// Serializes an <see cref="OnnxModel"/> back to ONNX bytes (the fields <see cref="OnnxModel.Parse"/> reads,
/// with onnx.proto's field numbers). Used to hand ONNX Runtime an edited copy of a graph (the ResNet with
/// its fixed AveragePool replaced by GlobalAveragePool, docs/FEATURES.md) and to write tiny test models.
/// Tensors are written as raw_data.
/// </summary>
public static class OnnxWriter
{
    /// <summary>The model as ONNX bytes.</summary>
    public static byte[] Write(OnnxModel model)
    {
        var w = new ProtoWriter();
        w.Int64(1, model.IrVersion);
        foreach (var (domain, version) in model.OpsetImports)
        {
            var opset = new ProtoWriter();
            if (domain.Length > 0) opset.String(1, domain);
            opset.Int64(2, version);
            w.Message(8, opset);
        }
        w.Message(7, Graph(model.Graph));
        return w.ToArray();
    }

    private static ProtoWriter Graph(OnnxGraph graph)
    {
        var w = new ProtoWriter();
        foreach (var node in graph.Nodes) w.Message(1, Node(node));
        if (graph.Name.Length > 0) w.String(2, graph.Name);
        foreach (var t in graph.Initializers) w.Message(5, Tensor(t));
        foreach (var v in graph.Inputs) w.Message(11, ValueInfo(v));
        foreach (var v in graph.Outputs) w.Message(12, ValueInfo(v));
        return w;
    }

    private static ProtoWriter Node(OnnxNode node)
    {
        var w = new ProtoWriter();
        foreach (var i in node.Inputs) w.String(1, i);
        foreach (var o in node.Outputs) w.String(2, o);
        w.String(3, node.Name);
        w.String(4, node.OpType);
        foreach (var a in node.Attributes) w.Message(5, Attribute(a));
        if (node.Domain.Length > 0) w.String(7, node.Domain);
        return w;
    }

    private static ProtoWriter Attribute(OnnxAttribute a)
    {
        var w = new ProtoWriter();
        w.String(1, a.Name);
        switch (a.Type)
        {
            case OnnxAttributeType.Float: w.Float(2, a.F); break;
            case OnnxAttributeType.Int: w.Int64(3, a.I); break;
            case OnnxAttributeType.String: w.Bytes(4, a.S); break;
            case OnnxAttributeType.Tensor: w.Message(5, Tensor(a.T ?? throw new ArgumentException($"attribute '{a.Name}' has type Tensor and no tensor"))); break;
            case OnnxAttributeType.Floats: w.PackedFloat(7, a.Floats.ToArray()); break;
            case OnnxAttributeType.Ints: w.PackedInt64(8, a.Ints); break;
            default: throw new ArgumentException($"attribute '{a.Name}': type {a.Type} cannot be written");
        }
        w.Int64(20, (long)a.Type);
        return w;
    }

    /// <summary>A TensorProto with its values in raw_data.</summary>
    public static ProtoWriter Tensor(OnnxTensor t)
    {
        var w = new ProtoWriter();
        w.PackedInt64(1, t.Dims);
        w.Int64(2, (long)t.DataType);
        w.String(8, t.Name);
        if (t.Floats is not null) w.Bytes(9, System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Floats.AsSpan()));
        else w.Bytes(9, System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.Int64s!.AsSpan()));
        return w;
    }

    private static ProtoWriter ValueInfo(OnnxValueInfo v)
    {
        var shape = new ProtoWriter();
        foreach (var d in v.Dims)
        {
            var dim = new ProtoWriter();
            if (d >= 0) dim.Int64(1, d);
            else dim.String(2, "N");
            shape.Message(1, dim);
        }
        var tensorType = new ProtoWriter();
        tensorType.Int64(1, (long)v.ElementType);
        tensorType.Message(2, shape);
        var type = new ProtoWriter();
        type.Message(1, tensorType);
        var w = new ProtoWriter();
        w.String(1, v.Name);
        w.Message(2, type);
        return w;
    }
}

namespace Flows.Core.Onnx;

/// <summary>
/// Small edits of decoded models, written back with <see cref="OnnxWriter"/>, so that ONNX Runtime can run
/// the same computation as our engine at input sizes other than the graph's 224 (docs/FEATURES.md,
/// "Parity check"), and a Resize model that gives ONNX Runtime its own bilinear resize as the reference.
/// </summary>
public static class OnnxGraphEdits
{
    /// <summary>Every AveragePool becomes a GlobalAveragePool (the same thing at 224, a global mean elsewhere).</summary>
    public static OnnxModel WithGlobalAveragePool(OnnxModel model) => model with
    {
        Graph = model.Graph with
        {
            Nodes = model.Graph.Nodes.Select(n => n.OpType == "AveragePool" ? n with { OpType = "GlobalAveragePool", Attributes = [] } : n).ToList(),
        },
    };

    /// <summary>The runtime inputs and the outputs get a free batch dimension and, when <paramref name="freeSpatial"/>, free height and width.</summary>
    public static OnnxModel WithFreeDims(OnnxModel model, bool freeSpatial)
    {
        var constant = model.Graph.Initializers.Select(t => t.Name).ToHashSet();
        OnnxValueInfo Free(OnnxValueInfo v) => constant.Contains(v.Name) ? v
            : v with { Dims = v.Dims.Select((d, i) => i == 0 || (freeSpatial && i >= 2) ? -1 : d).ToList() };
        return model with { Graph = model.Graph with { Inputs = model.Graph.Inputs.Select(Free).ToList(), Outputs = model.Graph.Outputs.Select(Free).ToList() } };
    }

    /// <summary>The initializer called tensor.Name is replaced by <paramref name="tensor"/> (e.g. a resized mean image).</summary>
    public static OnnxModel WithInitializer(OnnxModel model, OnnxTensor tensor)
    {
        if (model.Graph.Initializers.All(t => t.Name != tensor.Name))
            throw new ArgumentException($"the graph has no initializer '{tensor.Name}'");
        return model with { Graph = model.Graph with { Initializers = model.Graph.Initializers.Select(t => t.Name == tensor.Name ? tensor : t).ToList() } };
    }

    /// <summary>
    /// A one-node opset-13 model: Resize(X (n, c, h, w)) to (n, c, size, size), mode linear,
    /// coordinate_transformation_mode half_pixel: PyTorch's bilinear with align_corners=False, no antialias
    /// (https://onnx.ai/onnx/operators/onnx__Resize.html).
    /// </summary>
    public static OnnxModel ResizeModel(int n, int c, int h, int w, int size)
    {
        var sizes = new OnnxTensor("sizes", [4], new long[] { n, c, size, size });
        var node = new OnnxNode
        {
            Name = "resize",
            OpType = "Resize",
            Inputs = ["X", "", "", "sizes"],
            Outputs = ["Y"],
            Attributes =
            [
                new OnnxAttribute { Name = "mode", Type = OnnxAttributeType.String, S = "linear"u8.ToArray() },
                new OnnxAttribute { Name = "coordinate_transformation_mode", Type = OnnxAttributeType.String, S = "half_pixel"u8.ToArray() },
            ],
        };
        return new OnnxModel
        {
            IrVersion = 7,
            OpsetImports = [("", 13)],
            Graph = new OnnxGraph
            {
                Name = "resize",
                Nodes = [node],
                Initializers = [sizes],
                Inputs = [new OnnxValueInfo { Name = "X", ElementType = OnnxDataType.Float, Dims = [n, c, h, w] }],
                Outputs = [new OnnxValueInfo { Name = "Y", ElementType = OnnxDataType.Float, Dims = [n, c, size, size] }],
            },
        };
    }
}

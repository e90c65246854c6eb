namespace Flows.Core.Onnx;

/// <summary>
/// A decoded GraphProto: nodes in the file's order (ONNX requires a topological order), the initializers
/// (constant tensors such as weights), and the graph's inputs and outputs.
/// </summary>
public sealed record OnnxGraph
{
    /// <summary>The graph's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Nodes in topological order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; init; } = [];

    /// <summary>Constant tensors by position in the file.</summary>
    public IReadOnlyList<OnnxTensor> Initializers { get; init; } = [];

    /// <summary>Declared inputs; older files list the initializers here too.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; init; } = [];

    /// <summary>Declared outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; init; } = [];

    /// <summary>The inputs that are not initializers: what a caller must feed.</summary>
    public IReadOnlyList<OnnxValueInfo> RuntimeInputs
    {
        get
        {
            var constant = Initializers.Select(t => t.Name).ToHashSet();
            return Inputs.Where(i => !constant.Contains(i.Name)).ToList();
        }
    }

    /// <summary>How many nodes of each op type the graph holds (for documentation and checks).</summary>
    public IReadOnlyDictionary<string, int> OpCounts =>
        Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Decodes a GraphProto.</summary>
    internal static OnnxGraph Parse(ProtoReader r)
    {
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        string name = "";
        while (r.TryReadTag(out int field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "node"); nodes.Add(OnnxNode.Parse(r.ReadMessage($"graph node #{nodes.Count}"), nodes.Count)); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "name"); name = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited, "initializer"); initializers.Add(OnnxTensor.Parse(r.ReadMessage($"graph initializer #{initializers.Count}"))); break;
                case 11: r.Expect(wt, WireType.LengthDelimited, "input"); inputs.Add(OnnxValueInfo.Parse(r.ReadMessage($"graph input #{inputs.Count}"))); break;
                case 12: r.Expect(wt, WireType.LengthDelimited, "output"); outputs.Add(OnnxValueInfo.Parse(r.ReadMessage($"graph output #{outputs.Count}"))); break;
                case 15: throw r.Error("sparse initializers are not supported");
                default: r.Skip(wt); break;
            }
        }
        return new OnnxGraph { Name = name, Nodes = nodes, Initializers = initializers, Inputs = inputs, Outputs = outputs };
    }
}

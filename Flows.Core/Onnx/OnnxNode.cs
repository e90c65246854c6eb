namespace Flows.Core.Onnx;

/// <summary>A decoded NodeProto: one operator application, reading and writing values by name.</summary>
public sealed record OnnxNode
{
    /// <summary>The node's name (may be empty in a file; the graph gives such nodes a name from their op and index).</summary>
    public required string Name { get; init; }

    /// <summary>The operator, e.g. "Conv".</summary>
    public required string OpType { get; init; }

    /// <summary>The operator's domain; empty for the default ai.onnx set.</summary>
    public string Domain { get; init; } = "";

    /// <summary>Input value names; an empty name is an omitted optional input.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Output value names.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>Attributes in file order.</summary>
    public IReadOnlyList<OnnxAttribute> Attributes { get; init; } = [];

    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    /// <summary>Decodes a NodeProto.</summary>
    internal static OnnxNode Parse(ProtoReader r, int index)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributeBytes = new List<ReadOnlyMemory<byte>>();
        string name = "", opType = "", domain = "";
        while (r.TryReadTag(out int field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "input"); inputs.Add(r.ReadString()); break;
                case 2: r.Expect(wt, WireType.LengthDelimited, "output"); outputs.Add(r.ReadString()); break;
                case 3: r.Expect(wt, WireType.LengthDelimited, "name"); name = r.ReadString(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited, "op_type"); opType = r.ReadString(); break;
                case 5: r.Expect(wt, WireType.LengthDelimited, "attribute"); attributeBytes.Add(r.ReadBytes()); break;
                case 7: r.Expect(wt, WireType.LengthDelimited, "domain"); domain = r.ReadString(); break;
                default: r.Skip(wt); break;
            }
        }
        if (name.Length == 0) name = $"{opType}#{index}";
        // Attributes are decoded after the name is known, so their errors can name the node.
        var attributes = attributeBytes.Select(b => OnnxAttribute.Parse(new ProtoReader(b, $"node '{name}' attribute"))).ToList();
        return new OnnxNode { Name = name, OpType = opType, Domain = domain, Inputs = inputs, Outputs = outputs, Attributes = attributes };
    }
}

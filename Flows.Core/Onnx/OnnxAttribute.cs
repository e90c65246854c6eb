using System.Text;

namespace Flows.Core.Onnx;

/// <summary>A decoded AttributeProto: a named constant parameter of a node (kernel_shape, epsilon, …).</summary>
public sealed record OnnxAttribute
{
    /// <summary>The attribute's name.</summary>
    public required string Name { get; init; }

    /// <summary>Which of the value fields holds the value.</summary>
    public OnnxAttributeType Type { get; init; }

    /// <summary>Field f.</summary>
    public float F { get; init; }

    /// <summary>Field i.</summary>
    public long I { get; init; }

    /// <summary>Field s (bytes; a UTF-8 string for auto_pad and the like).</summary>
    public byte[] S { get; init; } = [];

    /// <summary>Field t.</summary>
    public OnnxTensor? T { get; init; }

    /// <summary>Field floats.</summary>
    public IReadOnlyList<float> Floats { get; init; } = [];

    /// <summary>Field ints.</summary>
    public IReadOnlyList<long> Ints { get; init; } = [];

    /// <summary>Field s decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(S);

    /// <summary>Decodes an AttributeProto (onnx.proto field numbers in the cases).</summary>
    internal static OnnxAttribute Parse(ProtoReader r)
    {
        string name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        byte[] s = [];
        OnnxTensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        bool sawF = false, sawI = false, sawS = false;
        while (r.TryReadTag(out int field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited, "name"); name = r.ReadString(); break;
                case 2: r.Expect(wt, WireType.Fixed32, "f"); f = r.ReadFloat(); sawF = true; break;
                case 3: r.Expect(wt, WireType.Varint, "i"); i = r.ReadInt64(); sawI = true; break;
                case 4: r.Expect(wt, WireType.LengthDelimited, "s"); s = r.ReadBytes().ToArray(); sawS = true; break;
                case 5: r.Expect(wt, WireType.LengthDelimited, "t"); t = OnnxTensor.Parse(r.ReadMessage($"{r.Context} tensor")); break;
                case 7: r.ReadRepeatedFloat(wt, floats, "floats"); break;
                case 8: r.ReadRepeatedInt64(wt, ints, "ints"); break;
                case 20: r.Expect(wt, WireType.Varint, "type"); type = r.ReadInt32(); break;
                default: r.Skip(wt); break;
            }
        }
        var kind = (OnnxAttributeType)type;
        if (kind == OnnxAttributeType.Undefined)
            kind = t is not null ? OnnxAttributeType.Tensor : ints.Count > 0 ? OnnxAttributeType.Ints
                : floats.Count > 0 ? OnnxAttributeType.Floats : sawS ? OnnxAttributeType.String
                : sawF ? OnnxAttributeType.Float : sawI ? OnnxAttributeType.Int : OnnxAttributeType.Undefined;
        return new OnnxAttribute { Name = name, Type = kind, F = f, I = i, S = s, T = t, Floats = floats, Ints = ints };
    }
}

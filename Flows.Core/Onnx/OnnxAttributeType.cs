namespace Flows.Core.Onnx;

/// <summary>AttributeProto.AttributeType values from onnx.proto.</summary>
public enum OnnxAttributeType
{
    /// <summary>Not set (files older than IR version 3 leave it out; the reader infers it from the field present).</summary>
    Undefined = 0,
    /// <summary>One float (field f).</summary>
    Float = 1,
    /// <summary>One int64 (field i).</summary>
    Int = 2,
    /// <summary>Bytes (field s).</summary>
    String = 3,
    /// <summary>A tensor (field t).</summary>
    Tensor = 4,
    /// <summary>A subgraph (not supported).</summary>
    Graph = 5,
    /// <summary>Floats (field floats).</summary>
    Floats = 6,
    /// <summary>Int64s (field ints).</summary>
    Ints = 7,
    /// <summary>Strings (not supported).</summary>
    Strings = 8,
}

namespace Flows.Core.Onnx;

/// <summary>
/// TensorProto.DataType values from onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
/// Only <see cref="Float"/> and <see cref="Int64"/> tensors are decoded; the others are named so that an
/// error can say which type a file used.
/// </summary>
public enum OnnxDataType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>float32: weights and activations.</summary>
    Float = 1,
    /// <summary>uint8.</summary>
    UInt8 = 2,
    /// <summary>int8.</summary>
    Int8 = 3,
    /// <summary>uint16.</summary>
    UInt16 = 4,
    /// <summary>int16.</summary>
    Int16 = 5,
    /// <summary>int32.</summary>
    Int32 = 6,
    /// <summary>int64: shapes and indices.</summary>
    Int64 = 7,
    /// <summary>string.</summary>
    String = 8,
    /// <summary>bool.</summary>
    Bool = 9,
    /// <summary>float16.</summary>
    Float16 = 10,
    /// <summary>float64.</summary>
    Double = 11,
}

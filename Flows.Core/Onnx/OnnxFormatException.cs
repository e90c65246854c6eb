namespace Flows.Core.Onnx;

/// <summary>
/// An ONNX file that cannot be read or run: truncated or malformed protobuf, a tensor data type we do not
/// decode, or an operator or attribute value the interpreter does not support. The message names the field
/// or node, so a user can tell a corrupt download from an unsupported model.
/// </summary>
public sealed class OnnxFormatException : Exception
{
    /// <summary>An error with its full message (already naming the field or node).</summary>
    public OnnxFormatException(string message) : base(message) { }

    /// <summary>An error caused by another one (e.g. an I/O failure while reading the file).</summary>
    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}

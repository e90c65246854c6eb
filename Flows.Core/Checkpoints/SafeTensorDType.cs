namespace Flows.Core.Checkpoints;

/// <summary>Element types a checkpoint may hold, spelled as the safetensors header spells them.</summary>
public enum SafeTensorDType
{
    F32,
    F64,
    I64,
}

public static class SafeTensorDTypeExtensions
{
    public static int ElementSize(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => 4,
        SafeTensorDType.F64 => 8,
        SafeTensorDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The header spelling ("F32", "F64", "I64").</summary>
    public static string HeaderName(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => "F32",
        SafeTensorDType.F64 => "F64",
        SafeTensorDType.I64 => "I64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Parses a header dtype; returns false for the ones this library does not read (BF16, U8, ...).</summary>
    public static bool TryParse(string text, out SafeTensorDType dtype)
    {
        switch (text)
        {
            case "F32": dtype = SafeTensorDType.F32; return true;
            case "F64": dtype = SafeTensorDType.F64; return true;
            case "I64": dtype = SafeTensorDType.I64; return true;
            default: dtype = default; return false;
        }
    }
}

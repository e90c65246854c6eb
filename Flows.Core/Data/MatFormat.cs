namespace Flows.Core.Data;

/// <summary>Constants of the MATLAB level 5 MAT-file format (MathWorks, "MAT-File Format", chapter 1).</summary>
public static class MatFormat
{
    public const int HeaderBytes = 128;

    public const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6,
        MiSingle = 7, MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    public const int MxDoubleClass = 6, MxUInt8Class = 9;

    /// <summary>Bytes per element of a numeric miType, 0 for the others.</summary>
    public static int ElementSize(int miType) => miType switch
    {
        MiInt8 or MiUInt8 => 1,
        MiInt16 or MiUInt16 => 2,
        MiInt32 or MiUInt32 or MiSingle => 4,
        MiDouble or MiInt64 or MiUInt64 => 8,
        _ => 0,
    };

    /// <summary>The numeric mxClasses (double, single, int8..uint64); cells, structs, chars and sparse are not.</summary>
    public static bool IsNumericClass(int mxClass) => mxClass is >= 6 and <= 15;

    /// <summary>Bytes of padding after a data element of n bytes: elements start on 8-byte boundaries.</summary>
    public static int Padding(long n) => (int)((8 - n % 8) % 8);
}

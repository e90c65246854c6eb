using System.Globalization;

namespace Flows.Core.Data.Numpy;

/// <summary>The kind of a numpy element type: the letter of its 'descr' ('b', 'i', 'u', 'f').</summary>
public enum NpyKind
{
    Bool,
    Int,
    UInt,
    Float,
}

/// <summary>
/// A numpy element type as an .npy header's 'descr' spells it: byte order ('&lt;' little, '&gt;' big, '|' not
/// applicable, '=' native), kind letter and size in bytes, e.g. '&lt;f4', '|u1'. Only the plain numeric kinds
/// are supported; object arrays need pickle and structured, string and date types have no meaning for a flow.
/// </summary>
public readonly record struct NpyDType(NpyKind Kind, int ItemSize, bool BigEndian)
{
    public static NpyDType Float32 { get; } = new(NpyKind.Float, 4, false);

    public static NpyDType Float64 { get; } = new(NpyKind.Float, 8, false);

    public static NpyDType UInt8 { get; } = new(NpyKind.UInt, 1, false);

    public static NpyDType Int32 { get; } = new(NpyKind.Int, 4, false);

    public static NpyDType Int64 { get; } = new(NpyKind.Int, 8, false);

    /// <summary>The 'descr' numpy writes for this type ('|' for one-byte types, as numpy does).</summary>
    public string Descr =>
        (ItemSize == 1 ? "|" : BigEndian ? ">" : "<") + Kind switch
        {
            NpyKind.Bool => "b",
            NpyKind.Int => "i",
            NpyKind.UInt => "u",
            _ => "f",
        } + ItemSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses a 'descr' string; anything unsupported is a DataException naming <paramref name="source"/>.</summary>
    public static NpyDType Parse(string descr, string source)
    {
        var text = descr;
        bool big = false;
        if (text.Length > 0 && text[0] is '<' or '>' or '|' or '=')
        {
            // '=' is native order; every platform .NET runs this project on is little-endian.
            big = text[0] == '>' && !(text.Length > 1 && text[1..] is "b1" or "i1" or "u1");
            text = text[1..];
        }
        if (text.StartsWith('O'))
            throw new DataException($"{source}: holds a numpy object array (dtype '{descr}'), which needs pickle to read; save plain numbers (np.float32 / np.int64) instead");
        if (text.Length < 2)
            throw Bad(descr, source, "it is not a numpy type string");
        char letter = text[0];
        if (!int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            throw Bad(descr, source, "it is not a numpy type string");
        NpyKind? kind = (letter, size) switch
        {
            ('b', 1) => NpyKind.Bool,
            ('i', 1 or 2 or 4 or 8) => NpyKind.Int,
            ('u', 1 or 2 or 4 or 8) => NpyKind.UInt,
            ('f', 2 or 4 or 8) => NpyKind.Float,
            _ => null,
        };
        if (kind is null)
            throw Bad(descr, source, "only bool, integer (i1..i8, u1..u8) and float (f2, f4, f8) arrays are supported");
        return new NpyDType(kind.Value, size, big && size > 1);
    }

    public override string ToString() => Descr;

    private static DataException Bad(string descr, string source, string why) =>
        new(NpyHeader.Printable($"{source}: unsupported numpy dtype '{descr}': {why}"));
}

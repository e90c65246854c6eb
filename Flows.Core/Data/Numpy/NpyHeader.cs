using System.Globalization;
using System.Text;

namespace Flows.Core.Data.Numpy;

/// <summary>
/// The header of an .npy file: the Python dict literal <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>
/// after the magic, version and header length (numpy's format.py, "Format Version 1.0").
/// </summary>
public sealed record NpyHeader(NpyDType DType, bool FortranOrder, long[] Shape)
{
    /// <summary>The file's format version (1, 2 or 3).</summary>
    public int Major { get; init; } = 1;

    /// <summary>Bytes before the data: magic, version, length field and header text.</summary>
    public long DataOffset { get; init; }

    /// <summary>Number of elements (1 for a 0-d array); the product was checked for overflow when parsed.</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The shape as numpy's repr writes it: (), (5,), (2, 3).</summary>
    public static string ShapeRepr(ReadOnlySpan<long> shape) => shape.Length switch
    {
        0 => "()",
        1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
        _ => "(" + string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
    };

    /// <summary>
    /// Parses the dict literal. Exactly the keys 'descr', 'fortran_order' and 'shape' (any order), as numpy's
    /// _read_array_header demands; a shape is a tuple of non-negative integers (a single element needs its comma,
    /// as in Python), whose element count and byte size must fit in a long.
    /// </summary>
    public static NpyHeader Parse(string text, string source)
    {
        var p = new Cursor(text, source);
        p.SkipSpace();
        p.Expect('{');
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        var seen = new List<string>();
        p.SkipSpace();
        while (!p.TryTake('}'))
        {
            var key = p.ReadString();
            if (seen.Contains(key))
                throw p.Error($"key '{key}' appears twice");
            seen.Add(key);
            p.SkipSpace();
            p.Expect(':');
            p.SkipSpace();
            switch (key)
            {
                case "descr":
                    if (p.Peek() is '[')
                        throw new DataException($"{source}: holds a structured numpy array (a list of fields as 'descr'); save a plain numeric array");
                    descr = p.ReadString();
                    break;
                case "fortran_order":
                    fortran = p.ReadBool();
                    break;
                case "shape":
                    shape = p.ReadShape();
                    break;
                default:
                    throw p.Error($"unexpected key '{key}' (numpy writes only 'descr', 'fortran_order' and 'shape')");
            }
            p.SkipSpace();
            if (p.TryTake(','))
            {
                p.SkipSpace();
                continue;
            }
            p.SkipSpace();
            p.Expect('}');
            break;
        }
        p.SkipSpace();
        if (!p.AtEnd)
            throw p.Error("text after the closing '}'");
        var missing = new[] { "descr", "fortran_order", "shape" }.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new DataException($"{source}: the .npy header lacks {string.Join(", ", missing.Select(k => $"'{k}'"))}; it is not a numpy file");
        var dtype = NpyDType.Parse(descr!, source);
        long count = 1;
        foreach (var d in shape!)
        {
            if (d != 0 && count > long.MaxValue / d)
                throw new DataException($"{source}: the .npy shape {ShapeRepr(shape)} has more elements than fit in 64 bits; the header is corrupt");
            count *= d;
        }
        if (count > long.MaxValue / dtype.ItemSize)
            throw new DataException($"{source}: the .npy shape {ShapeRepr(shape)} needs more bytes than fit in 64 bits; the header is corrupt");
        return new NpyHeader(dtype, fortran!.Value, shape);
    }

    /// <summary>
    /// The dict literal numpy's _write_array_header writes: sorted keys, each "'key': repr(value), ", then "}",
    /// then GROWTH_AXIS_MAX_DIGITS (21) minus the digits of the growth axis (shape[0] in C order, shape[-1] in
    /// Fortran order) spaces, so that the shape can later be rewritten in place (numpy ≥ 1.24).
    /// </summary>
    public static string Format(string descr, bool fortranOrder, ReadOnlySpan<long> shape)
    {
        var text = new StringBuilder("{");
        text.Append("'descr': '").Append(descr).Append("', ");
        text.Append("'fortran_order': ").Append(fortranOrder ? "True" : "False").Append(", ");
        text.Append("'shape': ").Append(ShapeRepr(shape)).Append(", ");
        text.Append('}');
        if (shape.Length > 0)
        {
            long growth = shape[fortranOrder ? shape.Length - 1 : 0];
            text.Append(' ', Math.Max(0, GrowthAxisMaxDigits - growth.ToString(CultureInfo.InvariantCulture).Length));
        }
        return text.ToString();
    }

    /// <summary>numpy's GROWTH_AXIS_MAX_DIGITS: len(str(8*2**64-1)).</summary>
    public const int GrowthAxisMaxDigits = 21;

    /// <summary>A tiny reader for the Python literals an .npy header may hold.</summary>
    /// <summary>A damaged header may hold any bytes; echoed in a message, control characters are escaped so it stays one line.</summary>
    internal static string Printable(string s) =>
        string.Concat(s.Select(c => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString()));

    private sealed class Cursor(string text, string source)
    {
        private int _at;

        public bool AtEnd => _at >= text.Length;

        public char? Peek() => _at < text.Length ? text[_at] : null;

        public void SkipSpace()
        {
            while (_at < text.Length && text[_at] is ' ' or '\t' or '\n' or '\r') _at++;
        }

        public bool TryTake(char c)
        {
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        public void Expect(char c)
        {
            if (!TryTake(c))
                throw Error($"expected '{c}'");
        }

        public string ReadString()
        {
            if (Peek() is not (char quote and ('\'' or '"')))
                throw Error("expected a quoted string");
            _at++;
            int start = _at;
            while (_at < text.Length && text[_at] != quote)
            {
                if (text[_at] == '\\') throw Error("escapes are not used in numpy headers");
                _at++;
            }
            if (AtEnd) throw Error("unterminated string");
            return text[start.._at++];
        }

        public bool ReadBool()
        {
            if (text.AsSpan(_at).StartsWith("True", StringComparison.Ordinal))
            {
                _at += 4;
                return true;
            }
            if (text.AsSpan(_at).StartsWith("False", StringComparison.Ordinal))
            {
                _at += 5;
                return false;
            }
            throw Error("'fortran_order' must be True or False");
        }

        public long[] ReadShape()
        {
            if (!TryTake('('))
                throw Error("'shape' must be a tuple of integers such as (2, 3) or (5,)");
            var dims = new List<long>();
            bool trailingComma = false;
            SkipSpace();
            while (!TryTake(')'))
            {
                int start = _at;
                while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                if (_at == start)
                    throw Error("'shape' must hold non-negative integers");
                if (!long.TryParse(text.AsSpan(start, _at - start), NumberStyles.None, CultureInfo.InvariantCulture, out long d))
                    throw Error($"shape dimension {text[start.._at]} is too large");
                TryTake('L'); // Python 2 longs, which numpy still accepts in old files
                dims.Add(d);
                SkipSpace();
                trailingComma = TryTake(',');
                SkipSpace();
                if (!trailingComma && Peek() != ')')
                    throw Error("expected ',' or ')' in 'shape'");
            }
            if (dims.Count == 1 && !trailingComma)
                throw Error("'shape' (n) is an integer in Python, not a tuple; numpy writes (n,)");
            return dims.ToArray();
        }

        public DataException Error(string problem) =>
            new(Printable($"{source}: bad .npy header at character {_at}: {problem} (header: {Shorten(text)})"));

        private static string Shorten(string s) => s.Length <= 120 ? s.TrimEnd() : s[..120] + "...";
    }
}

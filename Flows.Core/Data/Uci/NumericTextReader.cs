using System.Globalization;

namespace Flows.Core.Data.Uci;

/// <summary>
/// Reads a large text table of numbers line by line through one reusable byte buffer, parsing fields straight
/// from the UTF-8 bytes (no string per line or per field), so that HEPMASS's ~2 GB of CSV streams in constant
/// memory. Fields are separated by a delimiter byte (',' for CSV, spaces around it allowed) or, with no
/// delimiter, by runs of spaces and tabs (pandas' delim_whitespace). Blank lines are skipped, as pandas does.
/// Errors name the file and the 1-based line.
/// </summary>
public sealed class NumericTextReader : IDisposable
{
    private const int BufferBytes = 1 << 20;
    private readonly Stream _stream;
    private readonly byte? _delimiter;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;
    private bool _eof;

    /// <param name="stream">The text; disposed with the reader.</param>
    /// <param name="source">The file name used in error messages.</param>
    /// <param name="delimiter">The field separator, or null for whitespace-separated fields.</param>
    public NumericTextReader(Stream stream, string source, byte? delimiter)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Source = source ?? throw new ArgumentNullException(nameof(source));
        _delimiter = delimiter;
    }

    public string Source { get; }

    /// <summary>The 1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next non-blank line without its line ending, or false at the end of the file.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline < 0 && !_eof)
            {
                Refill();
                continue;
            }
            int length = newline >= 0 ? newline : _end - _start;
            if (newline < 0 && length == 0)
            {
                line = default;
                return false;
            }
            var span = _buffer.AsSpan(_start, length);
            _start += newline >= 0 ? length + 1 : length;
            LineNumber++;
            if (span.Length > 0 && span[^1] == '\r') span = span[..^1];
            if (span.Trim(" \t"u8).IsEmpty) continue;
            line = span;
            return true;
        }
    }

    /// <summary>
    /// Parses the fields of <paramref name="line"/> as numbers into <paramref name="values"/>; returns how many
    /// there were. More fields than <paramref name="values"/> holds, a field that is not a number, or a value
    /// that is not finite is a DataException naming the line.
    /// </summary>
    public int ParseFields(ReadOnlySpan<byte> line, Span<double> values)
    {
        int count = 0;
        while (true)
        {
            ReadOnlySpan<byte> field;
            if (_delimiter is byte d)
            {
                int at = line.IndexOf(d);
                field = (at < 0 ? line : line[..at]).Trim(" \t"u8);
                line = at < 0 ? default : line[(at + 1)..];
                if (field.IsEmpty)
                    throw Error($"field {count + 1} is empty");
                Store(field, values, ref count);
                if (at < 0) return count;
            }
            else
            {
                line = line.TrimStart(" \t"u8);
                if (line.IsEmpty) return count;
                int at = line.IndexOfAny(" \t"u8);
                field = at < 0 ? line : line[..at];
                line = at < 0 ? default : line[at..];
                Store(field, values, ref count);
            }
        }
    }

    /// <summary>A DataException for the current line: "FILE, line N: problem".</summary>
    public DataException Error(string problem) => new($"{Source}, line {LineNumber}: {problem}");

    public void Dispose() => _stream.Dispose();

    private void Store(ReadOnlySpan<byte> field, Span<double> values, ref int count)
    {
        if (count >= values.Length)
            throw Error($"more than the {values.Length} fields expected");
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            throw Error($"field {count + 1} '{Shorten(field)}' is not a number");
        if (!double.IsFinite(v))
            throw Error($"field {count + 1} is {v}; a flow needs finite values");
        values[count++] = v;
    }

    private static string Shorten(ReadOnlySpan<byte> field) =>
        System.Text.Encoding.UTF8.GetString(field.Length > 40 ? field[..40] : field) + (field.Length > 40 ? "..." : "");

    private void Refill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            LineNumber++;
            throw Error($"the line is longer than {BufferBytes} bytes; this is not a table of numbers");
        }
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _eof = true;
        _end += n;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Flows.Core.Data.Pickle;

/// <summary>
/// A bounded reader for exactly the pickles of the downsampled-ImageNet batches (docs/MODELS.md §3.1): protocol
/// 2–4, a dict of str keys to numpy arrays (numpy's _reconstruct + ndarray BUILD with a bytes payload), lists of
/// ints and plain scalars. Nothing is imported or executed: the only globals accepted are numpy's
/// _reconstruct, ndarray and dtype, and they only build the records of <see cref="PickleValue"/>. Every length is
/// checked against the bytes still in the file before anything is allocated; anything else is a DataException
/// naming the file.
/// </summary>
internal sealed class BatchPickleReader
{
    // Far above a real batch (about 128k labels, a few dozen other objects), far below what would hurt.
    private const int MaxObjects = 1 << 22;

    private static readonly HashSet<string> AllowedGlobals =
    [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.ndarray", "numpy.dtype",
    ];

    private readonly Stream _stream;
    private readonly string _source;
    private long _left;
    private readonly List<PickleValue> _stack = [];
    private readonly Dictionary<long, PickleValue> _memo = [];
    private int _objects;

    private BatchPickleReader(Stream stream, string source, long available)
    {
        _stream = stream;
        _source = source;
        _left = available;
    }

    /// <summary>Reads the pickle at <paramref name="path"/>, which must be one dict.</summary>
    public static PyDict ReadDict(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot read {path}: {e.Message}", e);
        }
        using (file)
            return ReadDict(file, path, file.Length);
    }

    /// <summary>Reads a pickled dict from <paramref name="stream"/>, of which at most <paramref name="available"/> bytes belong to it.</summary>
    public static PyDict ReadDict(Stream stream, string source, long available)
    {
        var result = new BatchPickleReader(new BufferedStream(stream, 1 << 16), source, available).Run();
        return result as PyDict ?? throw new DataException($"{source}: the pickle holds a {TypeName(result)}, not the dict of a downsampled-ImageNet batch");
    }

    private PickleValue Run()
    {
        int first = ReadByte();
        if (first != 0x80)
            throw Fail("does not start with a pickle protocol 2+ header (0x80); it is not a downsampled-ImageNet batch pickle, or was written with protocol 0/1 (re-save it with protocol 2 or later, or use the _npz download)");
        int protocol = ReadByte();
        if (protocol is < 2 or > 4)
            throw Fail($"is a pickle of protocol {protocol}; only protocols 2 to 4 are read (use the _npz download)");
        while (true)
        {
            int op = ReadByte();
            switch (op)
            {
                case '.':
                    if (_stack.Count != 1 || _stack[0] is PyMark)
                        throw Fail("ends (STOP) with a malformed stack");
                    return _stack[0];
                case 0x95: // FRAME: a length hint only
                    ReadBytes(8);
                    break;
                case 0x80:
                    throw Fail("has a second PROTO opcode inside the pickle");
                case '}': Push(new PyDict([])); break;
                case ']': Push(new PyList([])); break;
                case ')': Push(new PyTuple([])); break;
                case '(': Push(PyMark.Value); break;
                case 't': Push(new PyTuple(PopToMark())); break;
                case 0x85: Push(new PyTuple(PopN(1))); break;
                case 0x86: Push(new PyTuple(PopN(2))); break;
                case 0x87: Push(new PyTuple(PopN(3))); break;
                case 'N': Push(PyNone.Value); break;
                case 0x88: Push(new PyBool(true)); break;
                case 0x89: Push(new PyBool(false)); break;
                case 'K': Push(new PyInt(ReadByte())); break;
                case 'M': Push(new PyInt(BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2)))); break;
                case 'J': Push(new PyInt(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)))); break;
                case 0x8a: Push(new PyInt(ReadLong1())); break;
                case 0x8c: Push(new PyStr(Utf8(ReadBytes(ReadByte())))); break;
                case 'X': Push(new PyStr(Utf8(ReadBytes(ReadLength4())))); break;
                case 'U': Push(new PyBytes(ReadBytes(ReadByte()))); break;
                case 'T': Push(new PyBytes(ReadBytes(ReadLength4()))); break;
                case 'C': Push(new PyBytes(ReadBytes(ReadByte()))); break;
                case 'B': Push(new PyBytes(ReadBytes(ReadLength4()))); break;
                case 0x8e: Push(new PyBytes(ReadBytes(ReadLength8()))); break;
                case 'q': Memo(ReadByte()); break;
                case 'r': Memo(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))); break;
                case 0x94: Memo(_memo.Count); break;
                case 'h': Push(Recall(ReadByte())); break;
                case 'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break;
                case 'c': Push(Global(ReadLine(), ReadLine())); break;
                case 0x93:
                {
                    var name = Pop();
                    var module = Pop();
                    if (module is not PyStr m || name is not PyStr n)
                        throw Fail("has a STACK_GLOBAL whose module and name are not strings");
                    Push(Global(m.Value, n.Value));
                    break;
                }
                case 'a':
                {
                    var item = Pop();
                    ListOnTop().Items.Add(item);
                    break;
                }
                case 'e':
                {
                    var items = PopToMark();
                    ListOnTop().Items.AddRange(items);
                    break;
                }
                case 's':
                {
                    var value = Pop();
                    var key = Pop();
                    DictOnTop().Items.Add((key, value));
                    break;
                }
                case 'u':
                {
                    var items = PopToMark();
                    if (items.Count % 2 != 0)
                        throw Fail("has a SETITEMS with an odd number of items");
                    var dict = DictOnTop();
                    for (int i = 0; i < items.Count; i += 2)
                        dict.Items.Add((items[i], items[i + 1]));
                    break;
                }
                case 'R':
                {
                    var args = Pop();
                    var callable = Pop();
                    Push(Reduce(callable, args));
                    break;
                }
                case 'b':
                {
                    var state = Pop();
                    Build(Peek(), state);
                    break;
                }
                default:
                    throw Fail($"has pickle opcode 0x{op:x2}, which a downsampled-ImageNet batch never holds; it is not such a file or is corrupt");
            }
        }
    }

    private PyGlobal Global(string module, string name)
    {
        var g = new PyGlobal(module, name);
        if (!AllowedGlobals.Contains(g.FullName))
            throw Fail($"refers to the Python global {g.FullName}; only numpy arrays are read from these pickles (nothing is ever imported or run)");
        return g;
    }

    // Only the two calls numpy's array pickling makes: _reconstruct(ndarray, (0,), b'b') and dtype(code, align, copy).
    private PickleValue Reduce(PickleValue callable, PickleValue args)
    {
        if (callable is not PyGlobal g || args is not PyTuple t)
            throw Fail("has a REDUCE that is not a call of a numpy global with a tuple of arguments");
        if (g.Name == "_reconstruct")
        {
            if (t.Items.Count != 3 || t.Items[0] is not PyGlobal { Name: "ndarray" })
                throw Fail("has a numpy _reconstruct call that does not rebuild an ndarray");
            return Count(new PyArray());
        }
        if (g.Name == "dtype")
        {
            if (t.Items.Count < 1 || TextOf(t.Items[0]) is not { } code)
                throw Fail("has a numpy dtype call without a type code");
            return Count(new PyDType(code));
        }
        throw Fail($"calls {g.FullName}, which builds nothing by itself");
    }

    private void Build(PickleValue target, PickleValue state)
    {
        if (state is not PyTuple t)
            throw Fail("has a BUILD whose state is not a tuple");
        switch (target)
        {
            case PyDType d:
                // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
                string? order = t.Items.Count < 2 ? null : TextOf(t.Items[1]);
                if (order is not ("<" or ">" or "|" or "="))
                    throw Fail("has a numpy dtype state without a byte order");
                d.ByteOrder = order[0];
                break;
            case PyArray a:
                // (version, shape, dtype, is_fortran, raw data)
                if (t.Items.Count != 5 || t.Items[1] is not PyTuple shape || t.Items[2] is not PyDType dtype
                    || t.Items[4] is not PyBytes data)
                    throw Fail("has an ndarray state that is not (version, shape, dtype, fortran, bytes)");
                var dims = new long[shape.Items.Count];
                for (int i = 0; i < dims.Length; i++)
                    dims[i] = shape.Items[i] is PyInt { Value: >= 0 } n ? n.Value : throw Fail("has an ndarray shape that is not a tuple of sizes");
                a.Shape = dims;
                a.DType = dtype;
                a.FortranOrder = t.Items[3] is PyBool { Value: true } or PyInt { Value: not 0 };
                a.Data = data.Value;
                break;
            default:
                throw Fail($"has a BUILD on a {TypeName(target)}");
        }
    }

    private void Push(PickleValue value)
    {
        Count(value);
        _stack.Add(value);
    }

    private T Count<T>(T value)
    {
        if (++_objects > MaxObjects)
            throw Fail($"holds more than {MaxObjects} objects, far more than a batch has; it is not a downsampled-ImageNet batch");
        return value;
    }

    private PickleValue Pop()
    {
        if (_stack.Count == 0 || _stack[^1] is PyMark)
            throw Fail("pops an empty pickle stack; it is corrupt");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private PickleValue Peek() => _stack.Count == 0 ? throw Fail("reads an empty pickle stack; it is corrupt") : _stack[^1];

    private List<PickleValue> PopN(int n)
    {
        var items = new List<PickleValue>(n);
        for (int i = 0; i < n; i++)
            items.Add(Pop());
        items.Reverse();
        return items;
    }

    private List<PickleValue> PopToMark()
    {
        int mark = _stack.FindLastIndex(v => v is PyMark);
        if (mark < 0)
            throw Fail("closes a MARK that was never opened; it is corrupt");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private PyList ListOnTop() => Peek() as PyList ?? throw Fail("appends to something that is not a list");

    private PyDict DictOnTop() => Peek() as PyDict ?? throw Fail("sets an item on something that is not a dict");

    private void Memo(long index) => _memo[index] = Peek();

    private PickleValue Recall(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw Fail($"recalls memo entry {index}, which was never stored; it is corrupt");

    private int ReadByte()
    {
        if (_left < 1)
            throw Truncated();
        int b = _stream.ReadByte();
        if (b < 0)
            throw Truncated();
        _left--;
        return b;
    }

    private byte[] ReadBytes(long count)
    {
        if (count > _left)
            throw Fail($"claims a {count}-byte value where only {_left} bytes are left; it is truncated or corrupt");
        if (count > Array.MaxLength)
            throw Fail($"holds a {count}-byte value, more than one array can hold");
        var bytes = new byte[count];
        int got = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (got < bytes.Length)
            throw Truncated();
        _left -= count;
        return bytes;
    }

    private long ReadLength4() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    private long ReadLength8()
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));
        return n > long.MaxValue ? long.MaxValue : (long)n;
    }

    // LONG1: n little-endian two's-complement bytes; a batch's values all fit in 8.
    private long ReadLong1()
    {
        int n = ReadByte();
        if (n > 8)
            throw Fail($"holds a {n}-byte integer, larger than any value in a batch");
        var b = ReadBytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--)
            v = (v << 8) | b[i];
        if (n is > 0 and < 8 && (b[n - 1] & 0x80) != 0)
            v -= 1L << (8 * n);
        return v;
    }

    // GLOBAL's module and name lines: short ASCII, so a bound keeps a corrupt file from reading far.
    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = ReadByte();
            if (b == '\n')
                return sb.ToString();
            if (sb.Length >= 256 || b < 0x20 || b > 0x7e)
                throw Fail("has a GLOBAL opcode whose name is not a short line of text");
            sb.Append((char)b);
        }
    }

    private string Utf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail("holds a text string that is not valid UTF-8; it is corrupt");
        }
    }

    /// <summary>A str, or a short Python 2 str (bytes) read as latin-1, as Python 2 pickles keys and type codes.</summary>
    internal static string? TextOf(PickleValue v) => v switch
    {
        PyStr s => s.Value,
        PyBytes { Value.Length: <= 64 } b => Encoding.Latin1.GetString(b.Value),
        _ => null,
    };

    internal static string TypeName(PickleValue v) => v switch
    {
        PyDict => "dict",
        PyList => "list",
        PyTuple => "tuple",
        PyArray => "numpy array",
        PyInt => "int",
        PyStr => "str",
        PyBytes => "bytes",
        _ => v.GetType().Name,
    };

    private DataException Truncated() => Fail("ends in the middle of the pickle; it is truncated, download it again");

    private DataException Fail(string problem) => new($"{_source}: {problem}");
}

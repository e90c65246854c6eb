namespace Flows.Core.Data.Pickle;

/// <summary>
/// The few Python values a downsampled-ImageNet batch pickle is made of (docs/MODELS.md §3.1): nothing here can
/// run code; a global is only a name, and only the numpy names in <see cref="BatchPickleReader"/> are accepted.
/// </summary>
internal abstract record PickleValue;

internal sealed record PyNone : PickleValue
{
    public static PyNone Value { get; } = new();
}

internal sealed record PyInt(long Value) : PickleValue;

internal sealed record PyBool(bool Value) : PickleValue;

/// <summary>A text string (unicode, or a Python 2 str taken as latin-1 text when short).</summary>
internal sealed record PyStr(string Value) : PickleValue;

/// <summary>Raw bytes: Python 3 bytes, or a Python 2 str (which is how Python 2 pickles an array's payload).</summary>
internal sealed record PyBytes(byte[] Value) : PickleValue;

internal sealed record PyTuple(IReadOnlyList<PickleValue> Items) : PickleValue;

internal sealed record PyList(List<PickleValue> Items) : PickleValue;

internal sealed record PyDict(List<(PickleValue Key, PickleValue Value)> Items) : PickleValue;

/// <summary>A module-qualified name from GLOBAL / STACK_GLOBAL, already checked against the allowed ones.</summary>
internal sealed record PyGlobal(string Module, string Name) : PickleValue
{
    public string FullName => $"{Module}.{Name}";
}

/// <summary>numpy.dtype(kind+size): the byte order comes from its BUILD state.</summary>
internal sealed record PyDType(string Code) : PickleValue
{
    public char ByteOrder { get; set; } = '|';
}

/// <summary>An ndarray being rebuilt: _reconstruct makes it empty, BUILD sets shape, dtype and bytes.</summary>
internal sealed record PyArray : PickleValue
{
    public long[] Shape { get; set; } = [];

    public PyDType? DType { get; set; }

    public bool FortranOrder { get; set; }

    public byte[]? Data { get; set; }
}

/// <summary>The MARK opcode's place on the stack.</summary>
internal sealed record PyMark : PickleValue
{
    public static PyMark Value { get; } = new();
}

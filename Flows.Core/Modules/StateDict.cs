namespace Flows.Core;

/// <summary>Named host copies of a module's parameters and buffers, in registration order.</summary>
public sealed class StateDict
{
    private readonly Dictionary<string, Entry> _entries = new();
    private readonly List<string> _order = new();

    public readonly record struct Entry(int[] Shape, float[] Values);

    public IReadOnlyList<string> Names => _order;

    public int Count => _order.Count;

    public Entry this[string name] => _entries[name];

    public void Add(string name, int[] shape, float[] values)
    {
        if (values.Length != Shapes.Count(shape))
            throw new ArgumentException($"state '{name}': {values.Length} values for shape {Shapes.Format(shape)}");
        if (!_entries.ContainsKey(name)) _order.Add(name);
        _entries[name] = new Entry((int[])shape.Clone(), values);
    }

    public bool TryGet(string name, out Entry entry) => _entries.TryGetValue(name, out entry);
}

/// <summary>A saved state that does not match the model it is loaded into.</summary>
public sealed class StateDictMismatchException : Exception
{
    public StateDictMismatchException(string message) : base(message) { }
}

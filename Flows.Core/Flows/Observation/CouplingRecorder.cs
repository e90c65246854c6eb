namespace Flows.Core.Flows;

/// <summary>
/// Records every coupling layer's input, output, s and t while it is open (the hooks of docs/MODELS.md §7.2):
/// <c>using var rec = new CouplingRecorder(); model.Forward(x); foreach (var t in rec.Traces) …</c>.
/// The recorded tensors are copies owned by the recorder and freed when it is disposed. Recorders are per
/// thread; the innermost open one records.
/// </summary>
public sealed class CouplingRecorder : IDisposable
{
    [ThreadStatic] private static CouplingRecorder? _current;

    private readonly CouplingRecorder? _parent;
    private readonly List<CouplingTrace> _traces = new();
    private readonly List<Tensor> _owned = new();
    private bool _closed;

    public CouplingRecorder()
    {
        _parent = _current;
        _current = this;
    }

    internal static CouplingRecorder? Current => _current;

    public IReadOnlyList<CouplingTrace> Traces => _traces;

    /// <summary>Set by a multi-scale flow before each body step, so traces know where they are.</summary>
    internal int Position { get; set; } = -1;

    internal IReadOnlyList<Tensor> Factored { get; set; } = Array.Empty<Tensor>();

    internal void Record(AffineCoupling layer, Tensor input, Tensor output, Tensor logScale, Tensor shift)
    {
        var factored = Factored.Select(Own).ToArray();
        _traces.Add(new CouplingTrace(layer.Name, Position, Own(input), Own(output), Own(logScale), Own(shift), factored));
    }

    private Tensor Own(Tensor t)
    {
        var copy = Tensor.EmptyPinned(t.Backend, t.Shape);
        t.Backend.Copy(t.Buffer, copy.Buffer, t.Length);
        _owned.Add(copy);
        return copy;
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _current = _parent;
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}

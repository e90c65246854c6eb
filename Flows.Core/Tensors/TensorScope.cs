namespace Flows.Core;

/// <summary>
/// Collects every tensor created while it is open and disposes them when it closes, returning their memory
/// to the pool. A training step runs inside one scope so that steady-state training allocates nothing.
/// Tensors that must outlive the scope are passed to <see cref="Keep"/>. Scopes nest per thread.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _parent;
    private readonly List<Tensor> _tensors = new();
    private readonly HashSet<Tensor> _kept = new(ReferenceEqualityComparer.Instance);
    private bool _closed;

    public TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    internal static void Track(Tensor t) => _current?._tensors.Add(t);

    /// <summary>Lets t survive this scope (it moves to the enclosing scope, if any).</summary>
    public T Keep<T>(T t) where T : Tensor
    {
        _kept.Add(t);
        _parent?._tensors.Add(t);
        return t;
    }

    /// <summary>
    /// Lets an op's output survive this scope, with the tensor that owns its memory when it is a view, but only
    /// what this scope tracks moves to the enclosing one: a tensor made before the scope opened (an input passed
    /// through unchanged) stays with whoever made it. The no-grad lifetime rule (Flows/NoGradLifetime.cs) uses it.
    /// </summary>
    internal void KeepOutput(Tensor t)
    {
        if (t.ViewOf is { } owner) KeepOutput(owner);
        if (!_kept.Add(t)) return;
        if (_tensors.Contains(t)) _parent?._tensors.Add(t);
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _current = _parent;
        foreach (var t in _tensors)
            if (!t.Pinned && !_kept.Contains(t)) t.Dispose();
        _tensors.Clear();
    }
}

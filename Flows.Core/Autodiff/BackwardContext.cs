namespace Flows.Core;

/// <summary>The gradients of non-leaf tensors while one Backward call runs.</summary>
internal sealed class BackwardContext : IDisposable
{
    [ThreadStatic] private static BackwardContext? _current;

    private readonly Dictionary<Tensor, Tensor> _grads = new(ReferenceEqualityComparer.Instance);
    private readonly BackwardContext? _parent;

    public BackwardContext()
    {
        _parent = _current;
        _current = this;
    }

    public static BackwardContext? Current => _current;

    public Tensor? GradientOf(Tensor t) => _grads.GetValueOrDefault(t);

    public void SetGradient(Tensor t, Tensor grad) => _grads[t] = grad;

    public Tensor? TakeGradient(Tensor t) => _grads.Remove(t, out var g) ? g : null;

    public void Dispose()
    {
        foreach (var g in _grads.Values) g.Dispose();
        _grads.Clear();
        _current = _parent;
    }
}

namespace Flows.Core;

/// <summary>The gradients of non-leaf tensors while one Backward call runs.</summary>
internal sealed class BackwardContext : IDisposable
{
    [ThreadStatic] private static BackwardContext? _current;

    private readonly Dictionary<Tensor, Tensor> _grads = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Parameter> _claimedSlots = new(ReferenceEqualityComparer.Instance);
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

    /// <summary>
    /// Hands out a parameter's gradient slot once per Backward (Autograd.GradientTarget): true the first time, so two
    /// producers of the same parameter's gradient never write into the slot together.
    /// </summary>
    public bool ClaimSlot(Parameter p) => _claimedSlots.Add(p);

    /// <summary>True when a producer was handed the parameter's slot in this Backward.</summary>
    public bool SlotClaimed(Parameter p) => _claimedSlots.Contains(p);

    public void Dispose()
    {
        foreach (var g in _grads.Values) g.Dispose();
        _grads.Clear();
        _claimedSlots.Clear();
        _current = _parent;
    }
}

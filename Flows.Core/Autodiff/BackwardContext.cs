using Flows.Kernels;

namespace Flows.Core;

/// <summary>The gradients of non-leaf tensors while one Backward call runs.</summary>
internal sealed class BackwardContext : IDisposable
{
    [ThreadStatic] private static BackwardContext? _current;

    private readonly Dictionary<Tensor, Tensor> _grads = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Parameter> _claimedSlots = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<DeviceBuffer, (Tensor Owner, int Holders)> _shared = new(ReferenceEqualityComparer.Instance);
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

    /// <summary>True when g is one holder of a gradient that several tensors read (<see cref="Share"/>).</summary>
    public bool IsShared(Tensor g) => _shared.ContainsKey(g.Buffer);

    /// <summary>
    /// Another holder of g's memory, seen with the given shape (Autograd.PassThroughBoth, docs/PERFORMANCE.md, "Launches
    /// and host synchronisations per step"): a gradient that passes unchanged to several tensors is read by all of them
    /// and copied only when one of them is added into. The memory moves into this context (g stays a holder) and is
    /// freed when the last holder is released. Null when g owns no memory it could share.
    /// </summary>
    public Tensor? Share(Tensor g, int[] shape)
    {
        if (!_shared.TryGetValue(g.Buffer, out var entry))
        {
            if (g.IsView || !g.Pinned || g.IsDisposed) return null;
            entry = (g.HandOver(g.Shape), 1);
        }
        _shared[g.Buffer] = (entry.Owner, entry.Holders + 1);
        return new Tensor(g.Backend, g.Buffer, (int[])shape.Clone(), ownsBuffer: false, tracked: false) { Pinned = true };
    }

    /// <summary>Drops one holder of a shared gradient (nothing for any other tensor); the last one frees the memory.</summary>
    public void Release(Tensor g)
    {
        if (!_shared.TryGetValue(g.Buffer, out var entry)) return;
        if (entry.Holders > 1)
        {
            _shared[g.Buffer] = (entry.Owner, entry.Holders - 1);
            return;
        }
        _shared.Remove(g.Buffer);
        entry.Owner.Dispose();
    }

    public void Dispose()
    {
        foreach (var g in _grads.Values) g.Dispose();
        _grads.Clear();
        _claimedSlots.Clear();
        foreach (var (owner, _) in _shared.Values) owner.Dispose();
        _shared.Clear();
        _current = _parent;
    }
}

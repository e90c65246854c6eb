using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// An optimizer's flat buffers (docs/PERFORMANCE.md, "Multi-tensor optimizers"): one pack per state slot (Adam's m and
/// v, RMSprop's square average) with a member per parameter, in the optimizer's global parameter order, so that a
/// parameter group is one range of each pack. Where the backend packs contiguously (a GPU), the parameters themselves
/// move into a pack and their gradients accumulate into another, so the clipping reduction and the update take one
/// launch per group; on the managed CPU backend the parameters and gradients stay where they are and the multi-tensor
/// ops walk them in one pass. The layers see their tensors as before.
/// </summary>
internal sealed class FlatStorage : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly PackedBuffers? _values;
    private readonly PackedBuffers? _gradients;
    private readonly PackedBuffers[] _slots;

    public FlatStorage(IComputeBackend backend, Parameter[] parameters, int slotCount)
    {
        _parameters = parameters;
        var lengths = Array.ConvertAll(parameters, p => p.Length);
        Counts = lengths;
        _slots = new PackedBuffers[slotCount];
        for (int s = 0; s < slotCount; s++) _slots[s] = backend.AllocatePacked(lengths);
        if (_slots.Length > 0 && !_slots[0].IsContiguous) return;
        _values = backend.AllocatePacked(lengths);
        _gradients = backend.AllocatePacked(lengths);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i].MoveTo(_values.Members[i], releaseOld: true);
            parameters[i].GradientSlot = _gradients.Members[i];
        }
    }

    /// <summary>Each parameter's element count, in global order.</summary>
    public int[] Counts { get; }

    /// <summary>Member i of slot s: where parameter i's state slot s lives.</summary>
    public DeviceBuffer Slot(int slot, int parameter) => _slots[slot].Members[parameter];

    /// <summary>
    /// Puts parameter i's gradient into its slot of the flat gradient buffer if it is elsewhere (a gradient computed
    /// before this storage existed, or assigned by hand): one copy, once.
    /// </summary>
    public void GatherGradient(int i)
    {
        if (_gradients is null) return;
        var p = _parameters[i];
        var slot = _gradients.Members[i];
        if (p.Grad is not { } grad || ReferenceEquals(grad.Buffer, slot)) return;
        var moved = new Tensor(p.Backend, slot, (int[])p.Shape.Clone(), ownsBuffer: false, tracked: false) { Pinned = true };
        p.Backend.Copy(grad.Buffer, slot, p.Length);
        grad.Dispose();
        p.Grad = moved;
    }

    /// <summary>
    /// Gives every parameter (and a gradient that lives in the flat buffer) memory of its own again, so the parameters
    /// outlive this optimizer; then releases the packs.
    /// </summary>
    public void Dispose()
    {
        if (_values is not null && _gradients is not null)
            for (int i = 0; i < _parameters.Length; i++)
            {
                var p = _parameters[i];
                if (ReferenceEquals(p.GradientSlot, _gradients.Members[i])) p.GradientSlot = null;
                if (p.IsDisposed) continue;
                if (p.Grad is { } grad && ReferenceEquals(grad.Buffer, _gradients.Members[i]))
                {
                    var own = Tensor.EmptyPinned(p.Backend, p.Shape);
                    p.Backend.Copy(grad.Buffer, own.Buffer, p.Length);
                    p.Grad = own;
                }
                if (ReferenceEquals(p.Buffer, _values.Members[i])) p.MoveTo(p.Backend.Allocate(p.Length), releaseOld: false);
            }
        _values?.Dispose();
        _gradients?.Dispose();
        foreach (var pack in _slots) pack.Dispose();
    }
}

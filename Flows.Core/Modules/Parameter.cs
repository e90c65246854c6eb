using Flows.Kernels;

namespace Flows.Core;

/// <summary>A trainable tensor: it requires gradients and no TensorScope ever disposes it.</summary>
public sealed class Parameter : Tensor
{
    private Parameter(IComputeBackend backend, DeviceBuffer buffer, int[] shape)
        : base(backend, buffer, shape, ownsBuffer: true, tracked: false)
    {
        RequiresGrad = true;
        Pinned = true;
    }

    /// <summary>A parameter holding a copy of the given values.</summary>
    public static Parameter From(Tensor initial)
    {
        var p = new Parameter(initial.Backend, initial.Backend.Allocate(initial.Length), (int[])initial.Shape.Clone());
        p.CopyFrom(initial);
        return p;
    }

    /// <summary>
    /// Where this parameter's gradient lives while an optimizer keeps flat storage (docs/PERFORMANCE.md, "Multi-tensor
    /// optimizers"): the first gradient of a backward pass is copied here and later ones are added, instead of the
    /// gradient getting a buffer of its own. Null otherwise.
    /// </summary>
    internal DeviceBuffer? GradientSlot { get; set; }

    /// <summary>
    /// Moves the values into <paramref name="destination"/> (a member of an optimizer's flat buffer, or a buffer of its
    /// own again) and gives the old memory back. Views made before the move keep the old memory, so the optimizer moves
    /// parameters before any step, between passes.
    /// </summary>
    internal void MoveTo(DeviceBuffer destination, bool releaseOld)
    {
        if (destination.Length < Length)
            throw new ArgumentException($"MoveTo: a parameter of shape {Shapes.Format(Shape)} needs {Length} floats, the destination has {destination.Length}");
        var old = Buffer;
        Backend.Copy(old, destination, Length);
        Buffer = destination;
        if (releaseOld) old.Dispose();
    }

    /// <summary>The gradient tensor a backward pass starts from when <see cref="GradientSlot"/> is set: a view of the slot.</summary>
    internal Tensor? GradientInSlot() =>
        GradientSlot is { } slot ? new Tensor(Backend, slot, (int[])Shape.Clone(), ownsBuffer: false, tracked: false) { Pinned = true } : null;

    public static Parameter From(IComputeBackend backend, ReadOnlySpan<float> values, params int[] shape)
    {
        var p = new Parameter(backend, backend.Allocate(Shapes.Count(shape)), (int[])shape.Clone());
        p.CopyFrom(values);
        return p;
    }
}

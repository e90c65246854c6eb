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

    public static Parameter From(IComputeBackend backend, ReadOnlySpan<float> values, params int[] shape)
    {
        var p = new Parameter(backend, backend.Allocate(Shapes.Count(shape)), (int[])shape.Clone());
        p.CopyFrom(values);
        return p;
    }
}

using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// A dense float32 tensor in NCHW order on one backend. Tensors made by ops remember how they were made
/// (<see cref="Node"/>) so that <see cref="Backward"/> can push gradients back to the leaves.
/// </summary>
public class Tensor : IDisposable
{
    private bool _ownsBuffer;
    private bool _disposed;

    internal Tensor(IComputeBackend backend, DeviceBuffer buffer, int[] shape, bool ownsBuffer = true, bool tracked = true)
    {
        Backend = backend;
        Buffer = buffer;
        Shape = shape;
        Length = Shapes.Count(shape);
        if (Length > buffer.Length)
            throw new ArgumentException($"tensor of shape {Shapes.Format(shape)} needs {Length} elements, buffer has {buffer.Length}");
        _ownsBuffer = ownsBuffer;
        if (tracked) TensorScope.Track(this);
    }

    public IComputeBackend Backend { get; }
    /// <summary>The memory; only a <see cref="Parameter"/> ever changes it (moving into flat storage, docs/PERFORMANCE.md).</summary>
    public DeviceBuffer Buffer { get; private protected set; }
    public int[] Shape { get; }
    public int Length { get; }
    public int Rank => Shape.Length;

    /// <summary>True for tensors whose gradient is wanted (parameters, or inputs of a gradient check).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The accumulated gradient after <see cref="Backward"/>; null until then.</summary>
    public Tensor? Grad { get; internal set; }

    /// <summary>The op that made this tensor, when gradients are being recorded.</summary>
    internal Node? Node { get; set; }

    /// <summary>Set when Backward has consumed the node that made this tensor (so a second Backward can say so).</summary>
    internal bool GraphReleased { get; set; }

    /// <summary>True when gradients flow through this tensor: it requires them or was made from one that does.</summary>
    public bool TracksGrad => RequiresGrad || Node != null;

    /// <summary>Set on tensors that no scope may dispose (parameters, gradients of leaves, buffers of modules).</summary>
    internal bool Pinned { get; set; }

    public bool IsDisposed => _disposed;

    /// <summary>True when this tensor shares another tensor's memory (a reshape).</summary>
    public bool IsView => !_ownsBuffer;

    /// <summary>For a view, the tensor that owns the memory (a view of a view names the first owner); else null.</summary>
    internal Tensor? ViewOf { get; private init; }

    public int Dim(int axis) => Shape[axis < 0 ? Shape.Length + axis : axis];

    // ---- creation -----------------------------------------------------------------------------------

    public static Tensor Empty(IComputeBackend backend, params int[] shape) =>
        new(backend, backend.Allocate(Shapes.Count(shape)), (int[])shape.Clone());

    /// <summary>A tensor that no <see cref="TensorScope"/> tracks: it lives until disposed explicitly.</summary>
    internal static Tensor EmptyPinned(IComputeBackend backend, int[] shape) =>
        new(backend, backend.Allocate(Shapes.Count(shape)), (int[])shape.Clone(), tracked: false) { Pinned = true };

    public static Tensor Zeros(IComputeBackend backend, params int[] shape) => Full(backend, 0f, shape);

    public static Tensor Ones(IComputeBackend backend, params int[] shape) => Full(backend, 1f, shape);

    public static Tensor Full(IComputeBackend backend, float value, params int[] shape)
    {
        var t = Empty(backend, shape);
        backend.Fill(t.Buffer, value);
        return t;
    }

    public static Tensor FromArray(IComputeBackend backend, ReadOnlySpan<float> data, params int[] shape)
    {
        if (data.Length != Shapes.Count(shape))
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Shapes.Format(shape)}");
        var t = Empty(backend, shape);
        backend.Upload(data, t.Buffer);
        return t;
    }

    /// <summary>Uniform on [0, 1) from the counter-based generator: the same numbers on every backend.</summary>
    public static Tensor Uniform(IComputeBackend backend, ulong seed, ulong offset, params int[] shape)
    {
        var t = Empty(backend, shape);
        backend.FillUniform(t.Buffer, t.Length, seed, offset);
        return t;
    }

    public static Tensor Normal(IComputeBackend backend, ulong seed, ulong offset, params int[] shape)
    {
        var t = Empty(backend, shape);
        backend.FillNormal(t.Buffer, t.Length, seed, offset);
        return t;
    }

    // ---- host access --------------------------------------------------------------------------------

    public float[] ToArray()
    {
        var result = new float[Length];
        Backend.Download(Buffer, result);
        return result;
    }

    /// <summary>The single value of a one-element tensor (synchronizes).</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item: tensor of shape {Shapes.Format(Shape)} has {Length} elements");
        Span<float> one = stackalloc float[1];
        Backend.Download(Buffer, one);
        return one[0];
    }

    public void CopyFrom(ReadOnlySpan<float> data)
    {
        if (data.Length != Length) throw new ArgumentException($"CopyFrom: {data.Length} values for a tensor of {Length}");
        Backend.Upload(data, Buffer);
    }

    /// <summary>Copies another tensor's values into this one (same element count), outside the graph.</summary>
    public void CopyFrom(Tensor source)
    {
        if (source.Length != Length) throw new ArgumentException($"CopyFrom: shapes {Shapes.Format(source.Shape)} and {Shapes.Format(Shape)} differ in size");
        Backend.Copy(source.Buffer, Buffer, Length);
    }

    /// <summary>A new tensor with the same values that records no history.</summary>
    public Tensor DetachedCopy()
    {
        var t = Empty(Backend, Shape);
        Backend.Copy(Buffer, t.Buffer, Length);
        return t;
    }

    /// <summary>The same memory under another shape; it records the reshape for autodiff.</summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    /// <summary>The same memory seen with another shape, without history. Internal plumbing for ops.</summary>
    internal Tensor View(int[] shape) => new(Backend, Buffer, (int[])shape.Clone(), ownsBuffer: false) { ViewOf = ViewOf ?? this };

    /// <summary>
    /// Hands this tensor's memory to a new tensor of another shape (same element count or fewer) and gives up ownership,
    /// so disposing this one frees nothing: a gradient that passes through a reshape or an add moves on without a copy.
    /// </summary>
    internal Tensor HandOver(int[] shape)
    {
        if (!_ownsBuffer || _disposed)
            throw new InvalidOperationException($"HandOver: a {(_disposed ? "disposed tensor" : "view")} owns no memory to hand over");
        _ownsBuffer = false;
        return new Tensor(Backend, Buffer, (int[])shape.Clone(), ownsBuffer: true, tracked: false) { Pinned = Pinned };
    }

    /// <summary>Computes gradients of this scalar with respect to every tensor that requires them.</summary>
    public void Backward() => Autograd.Backward(this);

    /// <summary>Drops the gradient, returning its memory to the pool.</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Node = null;
        if (_ownsBuffer) Buffer.Dispose();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"Tensor{Shapes.Format(Shape)} on {Backend.Name}";
}

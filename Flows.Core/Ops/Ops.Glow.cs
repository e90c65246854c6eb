using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// Glow's fused step ops (docs/PERFORMANCE.md, "Launches and host synchronisations per step"): a per-sample
/// log-determinant from a layer's parameters in one launch, and the channel-wise affine coupling on the whole tensor.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// addend + factor·Σ values for each of <paramref name="batch"/> samples (shape [batch]; a null addend is 0):
    /// ActNorm's S·Σ logs, the 1×1 convolution's S·log|det W| added to the log-det so far. One launch each way, where
    /// Sum → Scale → Zeros → broadcast Add (and the add of the running log-det) took four or five.
    /// </summary>
    public static Tensor BroadcastScaledSum(Tensor values, float factor, int batch, Tensor? addend = null)
    {
        if (batch <= 0) throw new ArgumentException($"BroadcastScaledSum: the batch must be positive, got {batch}");
        if (addend is not null && addend.Length != batch)
            throw new ArgumentException($"BroadcastScaledSum: the addend has shape {Shapes.Format(addend.Shape)}, expected [{batch}]");
        var backend = values.Backend;
        var y = Tensor.Empty(backend, batch);
        backend.BroadcastScaledSum(values.Buffer, values.Length, factor, addend?.Buffer, y.Buffer, batch);
        if (addend is null ? Autograd.ShouldRecord(values) : Autograd.ShouldRecord(values, addend))
        {
            Autograd.Record("BroadcastScaledSum", addend is null ? [values] : [values, addend], y, dy =>
            {
                // The same op with the roles swapped: every value gets factor·Σ dy; the addend gets dy itself.
                var dv = Tensor.Empty(backend, values.Shape);
                backend.BroadcastScaledSum(dy.Buffer, batch, factor, null, dv.Buffer, values.Length);
                Autograd.Accumulate(values, dv, transfer: true);
                if (addend is not null) Autograd.PassThrough(addend, dy);
            });
        }
        return y;
    }

    /// <summary>
    /// The affine coupling with a channel-wise mask (docs/MODELS.md §4.5) on the whole (N, C, …) tensor: channels
    /// [changeOffset, changeOffset + C/2) become (x + t)·exp(s) with raw = st[:, :C/2], t = st[:, C/2:] and
    /// s = scale_c·tanh(raw); the other half passes through. Returns y and the per-sample addend + Σ s (a null addend
    /// is 0; a Glow step passes the log-det of its ActNorm and 1×1 convolution). Equal to chunk → <see cref="Coupling"/>
    /// → concatenate (→ add), in one launch each way instead of about seven and thirteen.
    /// </summary>
    public static (Tensor Y, Tensor LogDet) ChannelCoupling(Tensor x, Tensor st, Tensor scale, int changeOffset, Tensor? addend = null)
    {
        var shape = CheckChannelCoupling("ChannelCoupling", x, st, scale, changeOffset);
        if (addend is not null && addend.Length != shape.N)
            throw new ArgumentException($"ChannelCoupling: the addend has shape {Shapes.Format(addend.Shape)}, expected [{shape.N}] for input {Shapes.Format(x.Shape)}");
        var backend = x.Backend;
        var y = Tensor.Empty(backend, x.Shape);
        var logdet = Tensor.Empty(backend, shape.N);
        backend.ChannelCouplingForward(x.Buffer, st.Buffer, scale.Buffer, addend?.Buffer, y.Buffer, logdet.Buffer, shape, changeOffset, inverse: false);
        if (Autograd.ShouldRecord(x, st, scale, addend))
        {
            Autograd.Record("ChannelCoupling", addend is null ? [x, st, scale] : [x, st, scale, addend], [y, logdet], grads =>
            {
                using var zerosY = grads[0] is null ? Tensor.Zeros(backend, x.Shape) : null;
                using var zerosL = grads[1] is null ? Tensor.Zeros(backend, shape.N) : null;
                var dy = grads[0] ?? zerosY!;
                var dlogdet = grads[1] ?? zerosL!;
                var dx = Tensor.Empty(backend, x.Shape);
                var dst = Tensor.Empty(backend, st.Shape);
                var dscale = Tensor.Empty(backend, scale.Shape);
                backend.ChannelCouplingBackward(x.Buffer, st.Buffer, scale.Buffer, dy.Buffer, dlogdet.Buffer, dx.Buffer, dst.Buffer, dscale.Buffer,
                                                shape, changeOffset);
                Autograd.Accumulate(x, dx, transfer: true);
                Autograd.Accumulate(st, dst, transfer: true);
                Autograd.Accumulate(scale, dscale, transfer: true);
                if (addend is not null && grads[1] is { } passed) Autograd.PassThrough(addend, passed);
            });
        }
        return (y, logdet);
    }

    /// <summary>The inverse of <see cref="ChannelCoupling"/>: x = y·exp(−s) − t on the changed half, log-determinant −Σ s. No gradient.</summary>
    public static (Tensor X, Tensor LogDet) ChannelCouplingInverse(Tensor y, Tensor st, Tensor scale, int changeOffset)
    {
        var shape = CheckChannelCoupling("ChannelCouplingInverse", y, st, scale, changeOffset);
        var backend = y.Backend;
        var x = Tensor.Empty(backend, y.Shape);
        var logdet = Tensor.Empty(backend, shape.N);
        backend.ChannelCouplingForward(y.Buffer, st.Buffer, scale.Buffer, null, x.Buffer, logdet.Buffer, shape, changeOffset, inverse: true);
        return (x, logdet);
    }

    /// <summary>
    /// Channels [start, start + count) of x, as <see cref="NarrowChannels"/>, with a backward that adds straight into the
    /// gradient x already has (AddChannels, one launch) instead of zero-fill, copy and axpy. The coupling's identity
    /// half: the fused coupling, which reads all of x, has written x's gradient by the time the st-network's reaches here.
    /// </summary>
    public static Tensor NarrowChannelsAdding(Tensor x, int start, int count)
    {
        var y = NarrowChannelsNoGrad(x, start, count);
        if (Autograd.ShouldRecord(x))
        {
            var backend = x.Backend;
            int channels = x.Shape[1], batch = x.Shape[0], spatial = Shapes.Ncs(x).S;
            Autograd.Record("NarrowChannelsAdding", [x], y, dy =>
            {
                var existing = x.Node is null ? x.Grad : BackwardContext.Current?.GradientOf(x);
                if (existing is not null)
                {
                    backend.AddChannels(dy.Buffer, count, existing.Buffer, channels, start, batch, spatial);
                    return;
                }
                var dx = Tensor.Empty(backend, x.Shape);
                backend.Fill(dx.Buffer, 0f);
                backend.CopyChannels(dy.Buffer, count, 0, dx.Buffer, channels, start, count, batch, spatial);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return y;
    }

    private static Tensor NarrowChannelsNoGrad(Tensor x, int start, int count)
    {
        int channels = x.Shape[1];
        if (start < 0 || count <= 0 || start + count > channels)
            throw new ArgumentException($"NarrowChannelsAdding: channels [{start}, {start + count}) out of range for shape {Shapes.Format(x.Shape)}");
        var shape = (int[])x.Shape.Clone();
        shape[1] = count;
        var y = Tensor.Empty(x.Backend, shape);
        x.Backend.CopyChannels(x.Buffer, channels, start, y.Buffer, count, 0, count, shape[0], Shapes.Ncs(x).S);
        return y;
    }

    private static Ncs CheckChannelCoupling(string op, Tensor x, Tensor st, Tensor scale, int changeOffset)
    {
        Shapes.RequireSame(x, st, op + " (x vs st)");
        var shape = Shapes.Ncs(x);
        if (shape.C % 2 != 0)
            throw new ArgumentException($"{op}: a channel-wise coupling needs an even channel count, got input {Shapes.Format(x.Shape)}");
        if (scale.Length != shape.C / 2)
            throw new ArgumentException($"{op}: the rescale has shape {Shapes.Format(scale.Shape)}, the input {Shapes.Format(x.Shape)} transforms {shape.C / 2} channels");
        if (changeOffset != 0 && changeOffset != shape.C / 2)
            throw new ArgumentException($"{op}: the transformed half starts at channel 0 or {shape.C / 2}, got {changeOffset}");
        return shape;
    }
}

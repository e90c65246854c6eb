using Flows.Kernels;

namespace Flows.Core;

/// <summary>Differentiable reshapes, channel concatenation and slicing, and the 2×2 squeeze.</summary>
public static partial class Ops
{
    /// <summary>The same values under another shape (a view; no copy).</summary>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        if (Shapes.Count(shape) != x.Length)
            throw new ArgumentException($"Reshape: cannot view shape {Shapes.Format(x.Shape)} as {Shapes.Format(shape)}");
        var y = x.View(shape);
        if (Autograd.ShouldRecord(x))
            Autograd.Record("Reshape", [x], y, dy => Autograd.PassThrough(x, dy));
        return y;
    }

    /// <summary>Concatenates rank-2 or rank-4 tensors along axis 1 (channels).</summary>
    public static Tensor ConcatChannels(params Tensor[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("ConcatChannels: nothing to concatenate");
        var first = parts[0];
        int channels = 0;
        foreach (var p in parts)
        {
            Shapes.RequireSameBackend(first, p, "ConcatChannels");
            if (p.Rank != first.Rank || p.Shape[0] != first.Shape[0] || Shapes.Ncs(p).S != Shapes.Ncs(first).S)
                throw new ArgumentException($"ConcatChannels: shapes {Shapes.Format(first.Shape)} and {Shapes.Format(p.Shape)} differ outside axis 1");
            channels += p.Shape[1];
        }
        var shape = (int[])first.Shape.Clone();
        shape[1] = channels;
        int batch = shape[0], spatial = Shapes.Ncs(first).S;
        var backend = first.Backend;
        var y = Tensor.Empty(backend, shape);
        int offset = 0;
        foreach (var p in parts)
        {
            backend.CopyChannels(p.Buffer, p.Shape[1], 0, y.Buffer, channels, offset, p.Shape[1], batch, spatial);
            offset += p.Shape[1];
        }
        if (Autograd.ShouldRecord(parts))
        {
            Autograd.Record("ConcatChannels", parts, y, dy =>
            {
                int at = 0;
                foreach (var p in parts)
                {
                    if (p.TracksGrad)
                    {
                        var dp = Tensor.Empty(backend, p.Shape);
                        backend.CopyChannels(dy.Buffer, channels, at, dp.Buffer, p.Shape[1], 0, p.Shape[1], batch, spatial);
                        Autograd.Accumulate(p, dp, transfer: true);
                    }
                    at += p.Shape[1];
                }
            });
        }
        return y;
    }

    /// <summary>Channels [start, start + count) of a rank-2 or rank-4 tensor.</summary>
    public static Tensor NarrowChannels(Tensor x, int start, int count)
    {
        int channels = x.Shape[1];
        if (start < 0 || count <= 0 || start + count > channels)
            throw new ArgumentException($"NarrowChannels: channels [{start}, {start + count}) out of range for shape {Shapes.Format(x.Shape)}");
        var shape = (int[])x.Shape.Clone();
        shape[1] = count;
        int batch = shape[0], spatial = Shapes.Ncs(x).S;
        var backend = x.Backend;
        var y = Tensor.Empty(backend, shape);
        backend.CopyChannels(x.Buffer, channels, start, y.Buffer, count, 0, count, batch, spatial);
        if (Autograd.ShouldRecord(x))
        {
            Autograd.Record("NarrowChannels", [x], y, dy =>
            {
                var dx = Tensor.Empty(backend, x.Shape);
                backend.Fill(dx.Buffer, 0f);
                backend.CopyChannels(dy.Buffer, count, 0, dx.Buffer, channels, start, count, batch, spatial);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return y;
    }

    /// <summary>Splits axis 1 into two halves (PyTorch's chunk(2, dim=1)).</summary>
    public static (Tensor First, Tensor Second) ChunkChannels(Tensor x)
    {
        int c = x.Shape[1];
        if (c % 2 != 0) throw new ArgumentException($"ChunkChannels: {c} channels cannot be split in halves (shape {Shapes.Format(x.Shape)})");
        return SplitChannels(x, c / 2);
    }

    /// <summary>
    /// Channels [0, at) and [at, C) of a rank-2 or rank-4 tensor, as one node: when both parts get gradients they fill
    /// dx side by side, with no zero fill and no addition (two NarrowChannels would cost both; docs/PERFORMANCE.md,
    /// "Launches and host synchronisations per step").
    /// </summary>
    public static (Tensor First, Tensor Second) SplitChannels(Tensor x, int at)
    {
        int c = x.Shape[1];
        if (at <= 0 || at >= c) throw new ArgumentException($"SplitChannels: split at channel {at} leaves a part empty for shape {Shapes.Format(x.Shape)}");
        int rest = c - at, batch = x.Shape[0], spatial = Shapes.Ncs(x).S;
        var firstShape = (int[])x.Shape.Clone();
        firstShape[1] = at;
        var secondShape = (int[])x.Shape.Clone();
        secondShape[1] = rest;
        var backend = x.Backend;
        var first = Tensor.Empty(backend, firstShape);
        var second = Tensor.Empty(backend, secondShape);
        backend.CopyChannels(x.Buffer, c, 0, first.Buffer, at, 0, at, batch, spatial);
        backend.CopyChannels(x.Buffer, c, at, second.Buffer, rest, 0, rest, batch, spatial);
        if (Autograd.ShouldRecord(x))
        {
            Autograd.Record("SplitChannels", [x], [first, second], grads =>
            {
                var dx = Tensor.Empty(backend, x.Shape);
                if (grads[0] is null || grads[1] is null) backend.Fill(dx.Buffer, 0f);
                if (grads[0] is { } dFirst) backend.CopyChannels(dFirst.Buffer, at, 0, dx.Buffer, c, 0, at, batch, spatial);
                if (grads[1] is { } dSecond) backend.CopyChannels(dSecond.Buffer, rest, 0, dx.Buffer, c, at, rest, batch, spatial);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return (first, second);
    }

    /// <summary>(N, C, H, W) → (N, 4C, H/2, W/2), output channel 4c + 2dy + dx (docs/MODELS.md §4.2).</summary>
    public static Tensor Squeeze2x2(Tensor x)
    {
        Shapes.RequireRank(x, 4, "Squeeze2x2");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (h % 2 != 0 || w % 2 != 0)
            throw new ArgumentException($"Squeeze2x2: height and width must be even to squeeze, got shape {Shapes.Format(x.Shape)}");
        var backend = x.Backend;
        var y = Tensor.Empty(backend, n, 4 * c, h / 2, w / 2);
        backend.Squeeze2x2(x.Buffer, y.Buffer, n, c, h, w);
        if (Autograd.ShouldRecord(x))
        {
            Autograd.Record("Squeeze2x2", [x], y, dy =>
            {
                var dx = Tensor.Empty(backend, x.Shape);
                backend.Unsqueeze2x2(dy.Buffer, dx.Buffer, n, c, h, w);
                Autograd.Accumulate(x, dx, transfer: true);
            });
        }
        return y;
    }

    /// <summary>The inverse of Squeeze2x2: (N, 4C, H, W) → (N, C, 2H, 2W).</summary>
    public static Tensor Unsqueeze2x2(Tensor y)
    {
        Shapes.RequireRank(y, 4, "Unsqueeze2x2");
        if (y.Shape[1] % 4 != 0)
            throw new ArgumentException($"Unsqueeze2x2: channels must be a multiple of 4, got shape {Shapes.Format(y.Shape)}");
        int n = y.Shape[0], c = y.Shape[1] / 4, h = y.Shape[2] * 2, w = y.Shape[3] * 2;
        var backend = y.Backend;
        var x = Tensor.Empty(backend, n, c, h, w);
        backend.Unsqueeze2x2(y.Buffer, x.Buffer, n, c, h, w);
        if (Autograd.ShouldRecord(y))
        {
            Autograd.Record("Unsqueeze2x2", [y], x, dx =>
            {
                var dy = Tensor.Empty(backend, y.Shape);
                backend.Squeeze2x2(dx.Buffer, dy.Buffer, n, c, h, w);
                Autograd.Accumulate(y, dy, transfer: true);
            });
        }
        return x;
    }
}

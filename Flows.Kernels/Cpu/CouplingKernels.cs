using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// The fused affine coupling (one pass over memory each way). With m the mask (1 when null),
/// s = m·scale_c·tanh(raw), t' = m·t: forward y = (x + t')·eˢ, inverse x = y·e⁻ˢ − t', logdet = ±Σ s per sample.
/// Backward: dx = dy·eˢ, dt = m·dy·eˢ, g = dy·y + dlogdet[n], draw = g·m·scale·(1 − tanh²), dscale_c = Σ g·m·tanh.
/// </summary>
internal static class CouplingKernels
{
    private const int MaxChunks = 8;

    public static void Forward(float[] input, float[] raw, float[] t, float[] scale, float[]? mask,
                               float[] output, float[] logdet, Ncs shape, bool inverse)
    {
        int s = shape.S, plane = shape.C * s;
        CpuParallel.For(shape.N, 8L * plane, (input, raw, t, scale, mask, output, logdet, shape, inverse, s, plane), static (in state, start, end) =>
        {
            var (input, raw, t, scale, mask, output, logdet, shape, inverse, s, plane) = state;
            for (int n = start; n < end; n++)
            {
                double total = 0;
                for (int c = 0; c < shape.C; c++)
                {
                    int at = n * plane + c * s;
                    total += inverse
                        ? InverseRow(input.AsSpan(at, s), raw.AsSpan(at, s), t.AsSpan(at, s), scale[c], MaskRow(mask, c, s), output.AsSpan(at, s))
                        : ForwardRow(input.AsSpan(at, s), raw.AsSpan(at, s), t.AsSpan(at, s), scale[c], MaskRow(mask, c, s), output.AsSpan(at, s));
                }
                logdet[n] = (float)(inverse ? -total : total);
            }
        });
    }

    private static ReadOnlySpan<float> MaskRow(float[]? mask, int c, int s) => mask is null ? default : mask.AsSpan(c * s, s);

    /// <summary>One (n, c) row forward; returns Σ s over the row.</summary>
    internal static double ForwardRow(ReadOnlySpan<float> x, ReadOnlySpan<float> raw, ReadOnlySpan<float> t, float scale,
                                     ReadOnlySpan<float> mask, Span<float> y)
    {
        bool masked = !mask.IsEmpty;
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vr = MemoryMarshal.Cast<float, Vector<float>>(raw);
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vm = MemoryMarshal.Cast<float, Vector<float>>(mask);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var vscale = new Vector<float>(scale);
        var acc = Vector<float>.Zero;
        for (int v = 0; v < vy.Length; v++)
        {
            var sv = vscale * SimdMath.Tanh(vr[v]);
            var tv = vt[v];
            if (masked)
            {
                sv *= vm[v];
                tv *= vm[v];
            }
            vy[v] = (vx[v] + tv) * SimdMath.Exp(sv);
            acc += sv;
        }
        double total = Vector.Sum(acc);
        for (int i = vy.Length * Vector<float>.Count; i < y.Length; i++)
        {
            float m = masked ? mask[i] : 1f;
            float sv = m * scale * MathF.Tanh(raw[i]);
            y[i] = (x[i] + m * t[i]) * MathF.Exp(sv);
            total += sv;
        }
        return total;
    }

    /// <summary>One (n, c) row inverse; returns Σ s over the row.</summary>
    internal static double InverseRow(ReadOnlySpan<float> y, ReadOnlySpan<float> raw, ReadOnlySpan<float> t, float scale,
                                     ReadOnlySpan<float> mask, Span<float> x)
    {
        bool masked = !mask.IsEmpty;
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var vr = MemoryMarshal.Cast<float, Vector<float>>(raw);
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vm = MemoryMarshal.Cast<float, Vector<float>>(mask);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vscale = new Vector<float>(scale);
        var acc = Vector<float>.Zero;
        for (int v = 0; v < vx.Length; v++)
        {
            var sv = vscale * SimdMath.Tanh(vr[v]);
            var tv = vt[v];
            if (masked)
            {
                sv *= vm[v];
                tv *= vm[v];
            }
            vx[v] = vy[v] * SimdMath.Exp(-sv) - tv;
            acc += sv;
        }
        double total = Vector.Sum(acc);
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++)
        {
            float m = masked ? mask[i] : 1f;
            float sv = m * scale * MathF.Tanh(raw[i]);
            x[i] = y[i] * MathF.Exp(-sv) - m * t[i];
            total += sv;
        }
        return total;
    }

    public static void Backward(float[] x, float[] raw, float[] t, float[] scale, float[]? mask, float[] dy, float[] dlogdet,
                                float[] dx, float[] draw, float[] dt, float[] dscale, Ncs shape)
    {
        int s = shape.S, plane = shape.C * s, channels = shape.C;
        // Fixed sample chunks, each with its own dscale partial, added in order: reproducible sums.
        int chunks = Math.Min(shape.N, MaxChunks);
        bool parallel = (long)shape.N * plane * 12 >= CpuParallel.SerialThreshold;
        var partial = ThreadScratch.GetZeroedDoubles(DoubleSlot.CouplingScale, chunks * channels);
        CpuParallel.ForFixedChunks(shape.N, chunks, parallel, (x, raw, t, scale, mask, dy, dlogdet, dx, draw, dt, s, plane, channels, partial),
            static (in state, chunk, start, end) =>
        {
            var (x, raw, t, scale, mask, dy, dlogdet, dx, draw, dt, s, plane, channels, partial) = state;
            for (int n = start; n < end; n++)
                for (int c = 0; c < channels; c++)
                {
                    int at = n * plane + c * s;
                    partial[chunk * channels + c] += BackwardRow(
                        x.AsSpan(at, s), raw.AsSpan(at, s), t.AsSpan(at, s), scale[c], MaskRow(mask, c, s),
                        dy.AsSpan(at, s), dlogdet[n], dx.AsSpan(at, s), draw.AsSpan(at, s), dt.AsSpan(at, s));
                }
        });
        for (int c = 0; c < channels; c++)
        {
            double total = 0;
            for (int chunk = 0; chunk < chunks; chunk++) total += partial[chunk * channels + c];
            dscale[c] = (float)total;
        }
    }

    /// <summary>One (n, c) row of the backward pass; returns its contribution to dscale_c.</summary>
    internal static double BackwardRow(ReadOnlySpan<float> x, ReadOnlySpan<float> raw, ReadOnlySpan<float> t, float scale,
                                      ReadOnlySpan<float> mask, ReadOnlySpan<float> dy, float dlogdet,
                                      Span<float> dx, Span<float> draw, Span<float> dt)
    {
        bool masked = !mask.IsEmpty;
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vr = MemoryMarshal.Cast<float, Vector<float>>(raw);
        var vt = MemoryMarshal.Cast<float, Vector<float>>(t);
        var vm = MemoryMarshal.Cast<float, Vector<float>>(mask);
        var vdy = MemoryMarshal.Cast<float, Vector<float>>(dy);
        var vdx = MemoryMarshal.Cast<float, Vector<float>>(dx);
        var vdraw = MemoryMarshal.Cast<float, Vector<float>>(draw);
        var vdt = MemoryMarshal.Cast<float, Vector<float>>(dt);
        var vscale = new Vector<float>(scale);
        var vdl = new Vector<float>(dlogdet);
        var acc = Vector<float>.Zero;
        for (int v = 0; v < vdx.Length; v++)
        {
            var th = SimdMath.Tanh(vr[v]);
            var m = masked ? vm[v] : Vector<float>.One;
            var sv = m * vscale * th;
            var e = SimdMath.Exp(sv);
            var ge = vdy[v] * e;
            vdx[v] = ge;
            vdt[v] = ge * m;
            var g = Vector.FusedMultiplyAdd(ge, vx[v] + m * vt[v], vdl);
            var gm = g * m;
            vdraw[v] = gm * vscale * (Vector<float>.One - th * th);
            acc = Vector.FusedMultiplyAdd(gm, th, acc);
        }
        double total = Vector.Sum(acc);
        for (int i = vdx.Length * Vector<float>.Count; i < dx.Length; i++)
        {
            float th = MathF.Tanh(raw[i]);
            float m = masked ? mask[i] : 1f;
            float e = MathF.Exp(m * scale * th);
            float ge = dy[i] * e;
            dx[i] = ge;
            dt[i] = ge * m;
            float gm = (ge * (x[i] + m * t[i]) + dlogdet) * m;
            draw[i] = gm * scale * (1f - th * th);
            total += gm * th;
        }
        return total;
    }
}

namespace Flows.Kernels.Cpu;

/// <summary>
/// Glow's fused step ops (docs/PERFORMANCE.md, "Launches and host synchronisations per step"):
///   BroadcastScaledSum   y[i] = addend[i] + factor·Σ_j x[j]: a per-sample log-determinant from a layer's parameters.
///   AddChannels          destination[n, off + c, s] += source[n, c, s]: a narrow's gradient into the one its input has.
///   ChannelCoupling      the affine coupling of one channel half on the whole tensor, st read in place and the other
///                        half copied: the rows are <see cref="CouplingKernels"/>' own, so values and sums are the
///                        split-then-concatenate path's, bit for bit.
/// </summary>
internal static class GlowStepKernels
{
    private const int MaxChunks = 8;

    public static void BroadcastScaledSum(float[] x, int count, float factor, float[]? addend, float[] y, int length)
    {
        // Summed in double and rounded once, as the reduction it replaces (Sum then Scale) did.
        double sum = 0;
        for (int j = 0; j < count; j++) sum += x[j];
        float value = factor * (float)sum;
        for (int i = 0; i < length; i++) y[i] = addend is null ? value : addend[i] + value;
    }

    public static void AddChannels(float[] source, int count, float[] destination, int destinationChannels, int destinationOffset,
                                   int batch, int spatial)
    {
        int rows = count * spatial;
        for (int n = 0; n < batch; n++)
        {
            var from = source.AsSpan(n * rows, rows);
            var to = destination.AsSpan((n * destinationChannels + destinationOffset) * spatial, rows);
            for (int i = 0; i < rows; i++) to[i] += from[i];
        }
    }

    public static void ChannelCouplingForward(float[] input, float[] st, float[] scale, float[]? addend, float[] output, float[] logdet,
                                              Ncs shape, int changeOffset, bool inverse)
    {
        int s = shape.S, half = shape.C / 2, plane = shape.C * s;
        CpuParallel.For(shape.N, 8L * plane, (input, st, scale, addend, output, logdet, inverse, s, half, plane, changeOffset),
            static (in state, start, end) =>
        {
            var (input, st, scale, addend, output, logdet, inverse, s, half, plane, changeOffset) = state;
            int identityOffset = half - changeOffset;
            for (int n = start; n < end; n++)
            {
                int sample = n * plane;
                double total = 0;
                for (int c = 0; c < half; c++)
                {
                    int at = sample + (changeOffset + c) * s;
                    var raw = st.AsSpan(sample + c * s, s);
                    var t = st.AsSpan(sample + (half + c) * s, s);
                    total += inverse
                        ? CouplingKernels.InverseRow(input.AsSpan(at, s), raw, t, scale[c], default, output.AsSpan(at, s))
                        : CouplingKernels.ForwardRow(input.AsSpan(at, s), raw, t, scale[c], default, output.AsSpan(at, s));
                }
                int copied = sample + identityOffset * s;
                input.AsSpan(copied, half * s).CopyTo(output.AsSpan(copied, half * s));
                // Rounded to float first, then added: the same two roundings as a separate log-det add.
                float own = (float)(inverse ? -total : total);
                logdet[n] = addend is null ? own : addend[n] + own;
            }
        });
    }

    public static void ChannelCouplingBackward(float[] x, float[] st, float[] scale, float[] dy, float[] dlogdet,
                                               float[] dx, float[] dst, float[] dscale, Ncs shape, int changeOffset)
    {
        int s = shape.S, half = shape.C / 2, plane = shape.C * s;
        // Fixed sample chunks, each with its own dscale partial, added in order: reproducible sums (as CouplingKernels).
        int chunks = Math.Min(shape.N, MaxChunks);
        bool parallel = (long)shape.N * half * s * 12 >= CpuParallel.SerialThreshold;
        var partial = ThreadScratch.GetZeroedDoubles(DoubleSlot.CouplingScale, chunks * half);
        CpuParallel.ForFixedChunks(shape.N, chunks, parallel, (x, st, scale, dy, dlogdet, dx, dst, s, half, plane, changeOffset, partial),
            static (in state, chunk, start, end) =>
        {
            var (x, st, scale, dy, dlogdet, dx, dst, s, half, plane, changeOffset, partial) = state;
            int identityOffset = half - changeOffset;
            for (int n = start; n < end; n++)
            {
                int sample = n * plane;
                for (int c = 0; c < half; c++)
                {
                    int at = sample + (changeOffset + c) * s, rawAt = sample + c * s, tAt = sample + (half + c) * s;
                    partial[chunk * half + c] += CouplingKernels.BackwardRow(
                        x.AsSpan(at, s), st.AsSpan(rawAt, s), st.AsSpan(tAt, s), scale[c], default,
                        dy.AsSpan(at, s), dlogdet[n], dx.AsSpan(at, s), dst.AsSpan(rawAt, s), dst.AsSpan(tAt, s));
                }
                int copied = sample + identityOffset * s;
                dy.AsSpan(copied, half * s).CopyTo(dx.AsSpan(copied, half * s));
            }
        });
        for (int c = 0; c < half; c++)
        {
            double total = 0;
            for (int chunk = 0; chunk < chunks; chunk++) total += partial[chunk * half + c];
            dscale[c] = (float)total;
        }
    }
}

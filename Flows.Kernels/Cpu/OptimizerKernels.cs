using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Adam and RMSprop in one fused pass each, with PyTorch's operation order (torch.optim single-tensor path):
/// Adam: g += wd·θ; m = lerp(m, g, 1−β1); v = β2·v + (1−β2)·g²; θ −= (lr/bc1)·m / (√v/√bc2 + ε).
/// RMSprop: g += wd·θ; v = α·v + (1−α)·g²; θ −= lr·g / (√v + ε). The gradient buffer is left unchanged; a clipped
/// step first multiplies g by its group's coefficient (gradScale, 1 = exactly the plain step).
/// The multi-tensor forms (docs/PERFORMANCE.md, "Multi-tensor optimizers") run the same element arithmetic over every
/// member tensor in one parallel pass instead of one pass per tensor; AdamW's decay θ ← decay·θ is folded into that
/// pass (the per-tensor path scales in a pass of its own; the product is the same float either way).
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>The per-element constants of one Adam tensor (or one parameter group of a multi-tensor step).</summary>
    private readonly record struct AdamConstants(float Beta1, float Beta2, float Epsilon, float WeightDecay, float StepSize, float SqrtBiasCorrection2,
                                                 float GradScale, float Decay);

    private readonly record struct RmsPropConstants(float Alpha, float Epsilon, float WeightDecay, float LearningRate, float GradScale);

    public static void Adam(float[] p, float[] grad, float[] m, float[] v, int count, AdamSettings st, float gradScale = 1f)
    {
        var c = new AdamConstants(st.Beta1, st.Beta2, st.Epsilon, st.WeightDecay, st.LearningRate / st.BiasCorrection1,
                                  MathF.Sqrt(st.BiasCorrection2), gradScale, 1f);
        CpuParallel.For(count, 8, (p, grad, m, v, c), static (in s, start, end) => AdamRange(s.p, s.grad, s.m, s.v, start, end, s.c));
    }

    public static void RmsProp(float[] p, float[] grad, float[] sq, int count, RmsPropSettings st, float gradScale = 1f)
    {
        var c = new RmsPropConstants(st.Alpha, st.Epsilon, st.WeightDecay, st.LearningRate, gradScale);
        CpuParallel.For(count, 6, (p, grad, sq, c), static (in s, start, end) => RmsPropRange(s.p, s.grad, s.sq, start, end, s.c));
    }

    /// <summary>Adam over every member i (counts[i] floats, group groupOf[i]) in one parallel pass; scalars as <see cref="StepScalars"/>.</summary>
    public static void AdamMulti(float[][] p, float[][] grad, float[][] m, float[][] v, int[] counts, int[] groupOf, int groups,
                                 float beta1, float beta2, float epsilon, float[] scalars, float[] coefficients)
    {
        var constants = CallArrays<AdamConstants>.Get(0, groups);
        for (int k = 0; k < groups; k++)
        {
            int s = k * StepScalars.Stride;
            constants[k] = new AdamConstants(beta1, beta2, epsilon, scalars[s + StepScalars.WeightDecay], scalars[s + StepScalars.StepSize],
                                             scalars[s + StepScalars.SqrtBiasCorrection2], coefficients[k], scalars[s + StepScalars.Decay]);
        }
        var state = new MemberPass<AdamConstants>(p, grad, m, v, counts, groupOf, Offsets(counts), constants);
        CpuParallel.For(state.Total, 8, state, static (in s, start, end) => s.Walk<AdamMember>(start, end));
    }

    public static void RmsPropMulti(float[][] p, float[][] grad, float[][] sq, int[] counts, int[] groupOf, int groups,
                                    float alpha, float epsilon, float[] scalars, float[] coefficients)
    {
        var constants = CallArrays<RmsPropConstants>.Get(0, groups);
        for (int k = 0; k < groups; k++)
        {
            int s = k * StepScalars.Stride;
            constants[k] = new RmsPropConstants(alpha, epsilon, scalars[s + StepScalars.WeightDecay], scalars[s + StepScalars.LearningRate], coefficients[k]);
        }
        var state = new MemberPass<RmsPropConstants>(p, grad, sq, sq, counts, groupOf, Offsets(counts), constants);
        CpuParallel.For(state.Total, 6, state, static (in s, start, end) => s.Walk<RmsPropMember>(start, end));
    }

    /// <summary>offsets[i] = where member i starts in the concatenation of all members; offsets[^1] = the total.</summary>
    private static long[] Offsets(int[] counts)
    {
        var offsets = CallArrays<long>.Get(0, counts.Length + 1);
        offsets[0] = 0;
        for (int i = 0; i < counts.Length; i++) offsets[i + 1] = offsets[i] + counts[i];
        if (offsets[^1] > int.MaxValue) throw new ArgumentException($"multi-tensor step: {offsets[^1]} elements exceed one pass (at most {int.MaxValue})");
        return offsets;
    }

    /// <summary>One member's range [start, end) of a multi-tensor step, with its group's constants.</summary>
    private interface IMemberStep<TConstants>
    {
        static abstract void Run(float[] p, float[] grad, float[] a, float[] b, int start, int end, TConstants c);
    }

    private struct AdamMember : IMemberStep<AdamConstants>
    {
        public static void Run(float[] p, float[] grad, float[] m, float[] v, int start, int end, AdamConstants c) =>
            AdamRange(p, grad, m, v, start, end, c);
    }

    private struct RmsPropMember : IMemberStep<RmsPropConstants>
    {
        public static void Run(float[] p, float[] grad, float[] sq, float[] unused, int start, int end, RmsPropConstants c) =>
            RmsPropRange(p, grad, sq, start, end, c);
    }

    /// <summary>
    /// The concatenation of all members, split into contiguous ranges of the whole: one parallel dispatch for the step,
    /// however many tensors it has. The state of a static lambda, so the pass allocates nothing.
    /// </summary>
    private readonly record struct MemberPass<TConstants>(float[][] P, float[][] Grad, float[][] A, float[][] B, int[] Counts, int[] GroupOf,
                                                          long[] Offsets, TConstants[] Constants)
    {
        public int Total => (int)Offsets[^1];

        public void Walk<TStep>(int start, int end) where TStep : struct, IMemberStep<TConstants>
        {
            int i = Array.BinarySearch(Offsets, (long)start);
            if (i < 0) i = ~i - 1;
            for (; i < Counts.Length && Offsets[i] < end; i++)
            {
                int from = (int)Math.Max(start - Offsets[i], 0), to = (int)Math.Min(end - Offsets[i], Counts[i]);
                if (to > from) TStep.Run(P[i], Grad[i], A[i], B[i], from, to, Constants[GroupOf[i]]);
            }
        }
    }

    private static void AdamRange(float[] p, float[] grad, float[] m, float[] v, int start, int end, AdamConstants c)
    {
        float b1 = c.Beta1, b2 = c.Beta2, wd = c.WeightDecay, eps = c.Epsilon, stepSize = c.StepSize, bc2Sqrt = c.SqrtBiasCorrection2,
              gradScale = c.GradScale, decay = c.Decay;
        int len = end - start;
        if (decay != 1f)
            for (int i = start; i < end; i++) p[i] *= decay;
        var vp = MemoryMarshal.Cast<float, Vector<float>>(p.AsSpan(start, len));
        var vg = MemoryMarshal.Cast<float, Vector<float>>(grad.AsSpan(start, len));
        var vm = MemoryMarshal.Cast<float, Vector<float>>(m.AsSpan(start, len));
        var vv = MemoryMarshal.Cast<float, Vector<float>>(v.AsSpan(start, len));
        Vector<float> vwd = new(wd), vb2 = new(b2), v1b1 = new(1f - b1), v1b2 = new(1f - b2),
                      veps = new(eps), vstep = new(stepSize), vbc2 = new(bc2Sqrt), vscale = new(gradScale);
        for (int i = 0; i < vp.Length; i++)
        {
            var g = vg[i] * vscale + vwd * vp[i];
            var mi = vm[i] + v1b1 * (g - vm[i]);
            var vi = vv[i] * vb2 + v1b2 * g * g;
            vm[i] = mi;
            vv[i] = vi;
            vp[i] -= vstep * mi / (Vector.SquareRoot(vi) / vbc2 + veps);
        }
        for (int i = start + vp.Length * Vector<float>.Count; i < end; i++)
        {
            float g = grad[i] * gradScale + wd * p[i];
            float mi = m[i] + (1f - b1) * (g - m[i]);
            float vi = v[i] * b2 + (1f - b2) * g * g;
            m[i] = mi;
            v[i] = vi;
            p[i] -= stepSize * mi / (MathF.Sqrt(vi) / bc2Sqrt + eps);
        }
    }

    private static void RmsPropRange(float[] p, float[] grad, float[] sq, int start, int end, RmsPropConstants c)
    {
        float alpha = c.Alpha, wd = c.WeightDecay, eps = c.Epsilon, lr = c.LearningRate, gradScale = c.GradScale;
        int len = end - start;
        var vp = MemoryMarshal.Cast<float, Vector<float>>(p.AsSpan(start, len));
        var vg = MemoryMarshal.Cast<float, Vector<float>>(grad.AsSpan(start, len));
        var vs = MemoryMarshal.Cast<float, Vector<float>>(sq.AsSpan(start, len));
        Vector<float> vwd = new(wd), va = new(alpha), v1a = new(1f - alpha), veps = new(eps), vlr = new(lr), vscale = new(gradScale);
        for (int i = 0; i < vp.Length; i++)
        {
            var g = vg[i] * vscale + vwd * vp[i];
            var si = vs[i] * va + v1a * g * g;
            vs[i] = si;
            vp[i] -= vlr * g / (Vector.SquareRoot(si) + veps);
        }
        for (int i = start + vp.Length * Vector<float>.Count; i < end; i++)
        {
            float g = grad[i] * gradScale + wd * p[i];
            float si = sq[i] * alpha + (1f - alpha) * g * g;
            sq[i] = si;
            p[i] -= lr * g / (MathF.Sqrt(si) + eps);
        }
    }
}

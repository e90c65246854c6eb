using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Adam and RMSprop in one fused pass each, with PyTorch's operation order (torch.optim single-tensor path):
/// Adam: g += wd·θ; m = lerp(m, g, 1−β1); v = β2·v + (1−β2)·g²; θ −= (lr/bc1)·m / (√v/√bc2 + ε).
/// RMSprop: g += wd·θ; v = α·v + (1−α)·g²; θ −= lr·g / (√v + ε). The gradient buffer is left unchanged; a clipped
/// step first multiplies g by its group's coefficient (gradScale, 1 = exactly the plain step).
/// </summary>
internal static class OptimizerKernels
{
    public static void Adam(float[] p, float[] grad, float[] m, float[] v, int count, AdamSettings st, float gradScale = 1f)
    {
        float b1 = st.Beta1, b2 = st.Beta2, wd = st.WeightDecay, eps = st.Epsilon;
        float stepSize = st.LearningRate / st.BiasCorrection1;
        float bc2Sqrt = MathF.Sqrt(st.BiasCorrection2);
        CpuParallel.For(count, 8, (p, grad, m, v, gradScale, b1, b2, wd, eps, stepSize, bc2Sqrt), static (in state, start, end) =>
        {
            var (p, grad, m, v, gradScale, b1, b2, wd, eps, stepSize, bc2Sqrt) = state;
            int len = end - start;
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
        });
    }

    public static void RmsProp(float[] p, float[] grad, float[] sq, int count, RmsPropSettings st, float gradScale = 1f)
    {
        float alpha = st.Alpha, wd = st.WeightDecay, eps = st.Epsilon, lr = st.LearningRate;
        CpuParallel.For(count, 6, (p, grad, sq, gradScale, alpha, wd, eps, lr), static (in state, start, end) =>
        {
            var (p, grad, sq, gradScale, alpha, wd, eps, lr) = state;
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
        });
    }
}

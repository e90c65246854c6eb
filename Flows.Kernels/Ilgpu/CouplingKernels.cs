using ILGPU;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The fused affine coupling (docs/MODELS.md §4.5) on its transformed part, with m = mask[c, s] (1 without a mask),
/// s = m·scale_c·tanh(raw), t' = m·t:
///   Forward   y = (x + t')·eˢ,      logdet[n] = Σ_{c,s} s      one launch: a group per sample reduces logdet
///   Inverse   x = y·e⁻ˢ − t',       logdet[n] = −Σ_{c,s} s     one launch
///   Backward  dx = dy·eˢ, dt = m·dy·eˢ, ds = dy·y + dlogdet[n], draw = ds·m·scale_c·(1 − tanh²),
///             dscale_c = Σ_{n,s} ds·m·tanh(raw)                  one launch: a group (or split) per channel
///             writes the element-wise gradients of the elements it reduces.
/// </summary>
internal sealed class CouplingKernels
{
    private readonly GroupReduction _reduction;

    public CouplingKernels(GroupReduction reduction)
    {
        _reduction = reduction;
        reduction.Load<ForwardOp>();
        reduction.Load<BackwardOp>();
    }

    public void Forward(ForwardOp op, Ncs shape) => _reduction.Run(op, shape.N, shape.C * shape.S);

    public void Backward(BackwardOp op, Ncs shape) => _reduction.Run(op, shape.C, shape.N * shape.S);

    /// <summary>Forward (Inverse = 0: In = x, Out = y) or inverse (Inverse = 1: In = y, Out = x); output o is the sample.</summary>
    internal struct ForwardOp : IGroupReduction
    {
        public ArrayView<float> In, Raw, T, Scale, Mask, Out, LogDet;
        public int HasMask, Inverse, S, ElementsPerSample;

        public Pair Accumulate(int n, int r)
        {
            int i = n * ElementsPerSample + r;
            float m = HasMask != 0 ? Mask[r] : 1f;
            float s = m * Scale[r / S] * DeviceMath.Tanh(Raw[i]);
            float shift = m * T[i];
            Out[i] = Inverse == 0 ? (In[i] + shift) * DeviceMath.Exp(s) : In[i] * DeviceMath.Exp(-s) - shift;
            return new Pair(s, 0f);
        }

        public void Finish(int n, float sum1, float sum2) => LogDet[n] = Inverse == 0 ? sum1 : -sum1;
    }

    /// <summary>Output o is the channel; element r = (n, s).</summary>
    internal struct BackwardOp : IGroupReduction
    {
        public ArrayView<float> X, Raw, T, Scale, Mask, Dy, DLogDet, Dx, DRaw, Dt, DScale;
        public int HasMask, C, S;

        public Pair Accumulate(int c, int r)
        {
            int n = r / S, s = r % S;
            int i = (n * C + c) * S + s;
            float m = HasMask != 0 ? Mask[c * S + s] : 1f;
            float scale = Scale[c];
            float th = DeviceMath.Tanh(Raw[i]);
            float e = DeviceMath.Exp(m * scale * th);
            float g = Dy[i];
            float ge = g * e;
            Dx[i] = ge;
            Dt[i] = m * ge;
            float ds = ge * (X[i] + m * T[i]) + DLogDet[n];
            DRaw[i] = ds * m * scale * (1f - th * th);
            return new Pair(ds * m * th, 0f);
        }

        public void Finish(int c, float sum1, float sum2) => DScale[c] = sum1;
    }
}

using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Element-wise kernels, one thread per element:
///   Fill        y[i] = value
///   Unary       y[i] = f(x[i])                 (UnaryOp; x and y may alias)
///   UnaryBack   dx[i] = dy[i]·f'(x[i])          (Tanh, Sigmoid, Exp, Sqrt use y = f(x))
///   Binary      c = a ∘ b, broadcasting over (N, C, S)
///   Axpy        y[i] += α·x[i]
///   Highway     y = a·g + h·(1 − g), g = sigmoid(t), and its three gradients in one backward kernel
/// The op is a kernel argument, uniform across the launch, so the switch costs no divergence.
/// v1 (kept): as written. Memory bound; on the H200 saxpy-like kernels reach ~2.8 TB/s (ANCHORS.md probe).
/// </summary>
internal sealed class ElementwiseKernels
{
    private readonly Action<Index1D, ArrayView<float>, float> _fill;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, float> _unary;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> _unaryBackward;
    private readonly Action<Index1D, BinaryArgs> _binary;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> _axpy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _highway;
    private readonly Action<Index1D, HighwayBackwardArgs> _highwayBackward;

    public ElementwiseKernels(Accelerator accelerator)
    {
        _fill = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, float>(FillKernel));
        _unary = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float>(UnaryKernel));
        _unaryBackward = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(UnaryBackwardKernel));
        _binary = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, BinaryArgs>(BinaryKernel));
        _axpy = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(AxpyKernel));
        _highway = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(HighwayKernel));
        _highwayBackward = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, HighwayBackwardArgs>(HighwayBackwardKernel));
    }

    public void Fill(ArrayView<float> y, int count, float value)
    {
        if (count > 0) _fill(count, y, value);
    }

    public void Unary(UnaryOp op, ArrayView<float> x, ArrayView<float> y, int count, float alpha)
    {
        if (count > 0) _unary(count, x, y, (int)op, alpha);
    }

    public void UnaryBackward(UnaryOp op, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int count, float alpha)
    {
        if (count > 0) _unaryBackward(count, x, y, dy, dx, (int)op, alpha);
    }

    public void Binary(BinaryOp op, ArrayView<float> a, Ncs aShape, ArrayView<float> b, Ncs bShape, ArrayView<float> c, Ncs cShape)
    {
        if (cShape.Length == 0) return;
        _binary(cShape.Length, new BinaryArgs
        {
            A = a, B = b, C = c, Op = (int)op,
            OutC = cShape.C, OutS = cShape.S,
            AStrideN = aShape.N == 1 ? 0 : aShape.C * aShape.S, AStrideC = aShape.C == 1 ? 0 : aShape.S, AStrideS = aShape.S == 1 ? 0 : 1,
            BStrideN = bShape.N == 1 ? 0 : bShape.C * bShape.S, BStrideC = bShape.C == 1 ? 0 : bShape.S, BStrideS = bShape.S == 1 ? 0 : 1,
        });
    }

    public void HighwayGate(ArrayView<float> a, ArrayView<float> t, ArrayView<float> h, ArrayView<float> y, int count)
    {
        if (count > 0) _highway(count, a, t, h, y);
    }

    public void HighwayGateBackward(ArrayView<float> a, ArrayView<float> t, ArrayView<float> h, ArrayView<float> dy,
                                    ArrayView<float> da, ArrayView<float> dt, ArrayView<float> dh, int count)
    {
        if (count > 0) _highwayBackward(count, new HighwayBackwardArgs { A = a, T = t, H = h, Dy = dy, Da = da, Dt = dt, Dh = dh });
    }

    public void Axpy(float alpha, ArrayView<float> x, ArrayView<float> y, int count)
    {
        if (count > 0) _axpy(count, x, y, alpha);
    }

    /// <summary>Broadcast strides are 0 along axes of size 1, so one formula serves every broadcast pattern.</summary>
    internal struct BinaryArgs
    {
        public ArrayView<float> A, B, C;
        public int Op, OutC, OutS;
        public int AStrideN, AStrideC, AStrideS, BStrideN, BStrideC, BStrideS;
    }

    private static void FillKernel(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    private static void HighwayKernel(Index1D i, ArrayView<float> a, ArrayView<float> t, ArrayView<float> h, ArrayView<float> y)
    {
        Gate(t[i], out float g, out float rest);
        y[i] = a[i] * g + h[i] * rest;
    }

    /// <summary>g = sigmoid(t) and rest = sigmoid(−t) = 1 − g without the subtraction's cancellation near g = 1.</summary>
    private static void Gate(float t, out float g, out float rest)
    {
        float e = DeviceMath.Exp(-XMath.Abs(t)), near = 1f / (1f + e), far = e * near;
        g = t >= 0f ? near : far;
        rest = t >= 0f ? far : near;
    }

    private static void HighwayBackwardKernel(Index1D i, HighwayBackwardArgs p)
    {
        Gate(p.T[i], out float g, out float rest);
        float dy = p.Dy[i];
        p.Da[i] = dy * g;
        p.Dh[i] = dy * rest;
        p.Dt[i] = dy * (p.A[i] - p.H[i]) * g * rest;
    }

    internal struct HighwayBackwardArgs
    {
        public ArrayView<float> A, T, H, Dy, Da, Dt, Dh;
    }

    private static void AxpyKernel(Index1D i, ArrayView<float> x, ArrayView<float> y, float alpha) => y[i] += alpha * x[i];

    internal static float Apply(int op, float x, float alpha) => op switch
    {
        (int)UnaryOp.Copy => x,
        (int)UnaryOp.Neg => -x,
        (int)UnaryOp.Exp => DeviceMath.Exp(x),
        (int)UnaryOp.Log => DeviceMath.Log(x),
        (int)UnaryOp.Tanh => DeviceMath.Tanh(x),
        (int)UnaryOp.Sigmoid => DeviceMath.Sigmoid(x),
        (int)UnaryOp.Relu => x > 0f ? x : 0f,
        (int)UnaryOp.LeakyRelu => x > 0f ? x : alpha * x,
        (int)UnaryOp.Abs => x < 0f ? -x : x,
        (int)UnaryOp.Square => x * x,
        (int)UnaryOp.Sqrt => DeviceMath.Sqrt(x),
        (int)UnaryOp.Reciprocal => 1f / x,
        (int)UnaryOp.Scale => alpha * x,
        (int)UnaryOp.AddScalar => x + alpha,
        _ => DeviceMath.Softplus(x),
    };

    private static void UnaryKernel(Index1D i, ArrayView<float> x, ArrayView<float> y, int op, float alpha) =>
        y[i] = Apply(op, x[i], alpha);

    private static void UnaryBackwardKernel(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int op, float alpha)
    {
        float g = dy[i];
        float d;
        switch (op)
        {
            case (int)UnaryOp.Copy: d = g; break;
            case (int)UnaryOp.Neg: d = -g; break;
            case (int)UnaryOp.Exp: d = g * y[i]; break;
            case (int)UnaryOp.Log: d = g / x[i]; break;
            case (int)UnaryOp.Tanh: { float t = y[i]; d = g * (1f - t * t); break; }
            case (int)UnaryOp.Sigmoid: { float s = y[i]; d = g * s * (1f - s); break; }
            case (int)UnaryOp.Relu: d = x[i] > 0f ? g : 0f; break;
            case (int)UnaryOp.LeakyRelu: d = x[i] > 0f ? g : alpha * g; break;
            case (int)UnaryOp.Abs: { float v = x[i]; d = v > 0f ? g : v < 0f ? -g : 0f; break; }
            case (int)UnaryOp.Square: d = 2f * x[i] * g; break;
            case (int)UnaryOp.Sqrt: d = 0.5f * g / y[i]; break;
            case (int)UnaryOp.Reciprocal: { float v = x[i]; d = -g / (v * v); break; }
            case (int)UnaryOp.Scale: d = alpha * g; break;
            case (int)UnaryOp.AddScalar: d = g; break;
            default: d = g * DeviceMath.Sigmoid(x[i]); break;
        }
        dx[i] = d;
    }

    private static void BinaryKernel(Index1D index, BinaryArgs p)
    {
        int i = index;
        int s = i % p.OutS;
        int nc = i / p.OutS;
        int c = nc % p.OutC;
        int n = nc / p.OutC;
        float a = p.A[n * p.AStrideN + c * p.AStrideC + s * p.AStrideS];
        float b = p.B[n * p.BStrideN + c * p.BStrideC + s * p.BStrideS];
        p.C[i] = p.Op switch
        {
            (int)BinaryOp.Add => a + b,
            (int)BinaryOp.Sub => a - b,
            (int)BinaryOp.Mul => a * b,
            _ => a / b,
        };
    }
}

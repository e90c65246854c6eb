namespace Flows.Kernels.Reference;

/// <summary>Element-wise maps, broadcasting, Axpy and the highway gate in plain double loops: the meaning of each op, nothing more.</summary>
internal static class ReferenceElementwise
{
    public static double Unary(UnaryOp op, double x, double alpha) => op switch
    {
        UnaryOp.Copy => x,
        UnaryOp.Neg => -x,
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
        UnaryOp.Relu => x > 0 ? x : 0,
        UnaryOp.LeakyRelu => x > 0 ? x : alpha * x,
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Square => x * x,
        UnaryOp.Sqrt => Math.Sqrt(x),
        UnaryOp.Reciprocal => 1.0 / x,
        UnaryOp.Scale => alpha * x,
        UnaryOp.AddScalar => x + alpha,
        UnaryOp.Softplus => Math.Max(x, 0) + Log1pExpNeg(Math.Abs(x)),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>log(1 + e^{−a}) for a ≥ 0, with the series where 1 + e^{−a} would round away the tail.</summary>
    private static double Log1pExpNeg(double a)
    {
        double u = Math.Exp(-a);
        return u < 1e-8 ? u - u * u / 2 : Math.Log(1.0 + u);
    }

    /// <summary>f'(x) written from x alone (the backend may use y; both must agree).</summary>
    public static double Derivative(UnaryOp op, double x, double alpha) => op switch
    {
        UnaryOp.Copy => 1,
        UnaryOp.Neg => -1,
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => 1.0 / x,
        UnaryOp.Tanh => 1.0 - Math.Tanh(x) * Math.Tanh(x),
        UnaryOp.Sigmoid => Math.Exp(-x) / ((1.0 + Math.Exp(-x)) * (1.0 + Math.Exp(-x))),
        UnaryOp.Relu => x > 0 ? 1 : 0,
        UnaryOp.LeakyRelu => x > 0 ? 1 : alpha,
        UnaryOp.Abs => Math.Sign(x),
        UnaryOp.Square => 2 * x,
        UnaryOp.Sqrt => 0.5 / Math.Sqrt(x),
        UnaryOp.Reciprocal => -1.0 / (x * x),
        UnaryOp.Scale => alpha,
        UnaryOp.AddScalar => 1,
        UnaryOp.Softplus => 1.0 / (1.0 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    public static double[] Binary(BinaryOp op, float[] a, Ncs aShape, float[] b, Ncs bShape)
    {
        var c = Ncs.Broadcast(aShape, bShape, "reference");
        var result = new double[c.Length];
        for (int n = 0; n < c.N; n++)
            for (int ch = 0; ch < c.C; ch++)
                for (int s = 0; s < c.S; s++)
                {
                    double av = a[Index(aShape, n, ch, s)], bv = b[Index(bShape, n, ch, s)];
                    result[(n * c.C + ch) * c.S + s] = op switch
                    {
                        BinaryOp.Add => av + bv,
                        BinaryOp.Sub => av - bv,
                        BinaryOp.Mul => av * bv,
                        BinaryOp.Div => av / bv,
                        _ => throw new ArgumentOutOfRangeException(nameof(op)),
                    };
                }
        return result;
    }

    /// <summary>y[i] + alpha·x[i].</summary>
    public static double[] Axpy(float alpha, float[] x, float[] y, int count)
    {
        var result = new double[count];
        for (int i = 0; i < count; i++) result[i] = y[i] + (double)alpha * x[i];
        return result;
    }

    /// <summary>Glow's highway gate: y = a·g + h·(1 − g) with g = sigmoid(t), and its gradients da, dt, dh for an upstream dy.</summary>
    public static (double[] Y, double[] Da, double[] Dt, double[] Dh) HighwayGate(float[] a, float[] t, float[] h, float[] dy, int count)
    {
        double[] y = new double[count], da = new double[count], dt = new double[count], dh = new double[count];
        for (int i = 0; i < count; i++)
        {
            double g = 1 / (1 + Math.Exp(-(double)t[i]));
            y[i] = a[i] * g + h[i] * (1 - g);
            da[i] = dy[i] * g;
            dh[i] = dy[i] * (1 - g);
            dt[i] = dy[i] * (a[i] - (double)h[i]) * g * (1 - g);
        }
        return (y, da, dt, dh);
    }

    /// <summary>Flat index of (n, c, s) in a tensor of the given shape, with size-1 axes broadcast.</summary>
    public static int Index(Ncs shape, int n, int c, int s) =>
        ((shape.N == 1 ? 0 : n) * shape.C + (shape.C == 1 ? 0 : c)) * shape.S + (shape.S == 1 ? 0 : s);
}

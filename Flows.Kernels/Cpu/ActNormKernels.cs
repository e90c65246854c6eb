using System.Numerics;
using System.Runtime.InteropServices;

namespace Flows.Kernels.Cpu;

/// <summary>Glow's ActNorm y = (x + b_c)·exp(logScale_c), its inverse, and its backward through y.</summary>
internal static class ActNormKernels
{
    public static void Forward(float[] x, float[] bias, float[] logScale, float[] y, Ncs shape, bool inverse)
    {
        int s = shape.S;
        CpuParallel.For(shape.N * shape.C, s, (x, bias, logScale, y, shape, inverse, s), static (in state, start, end) =>
        {
            var (x, bias, logScale, y, shape, inverse, s) = state;
            for (int row = start; row < end; row++)
            {
                int c = row % shape.C;
                var src = x.AsSpan(row * s, s);
                var dst = y.AsSpan(row * s, s);
                var vs = MemoryMarshal.Cast<float, Vector<float>>(src);
                var vd = MemoryMarshal.Cast<float, Vector<float>>(dst);
                float b = bias[c];
                if (inverse)
                {
                    // x = y·e^{−ls} − b
                    float k = MathF.Exp(-logScale[c]);
                    Vector<float> vk = new(k), vb = new(b);
                    for (int v = 0; v < vd.Length; v++) vd[v] = vs[v] * vk - vb;
                    for (int i = vd.Length * Vector<float>.Count; i < s; i++) dst[i] = src[i] * k - b;
                }
                else
                {
                    float k = MathF.Exp(logScale[c]);
                    Vector<float> vk = new(k), vb = new(b);
                    for (int v = 0; v < vd.Length; v++) vd[v] = (vs[v] + vb) * vk;
                    for (int i = vd.Length * Vector<float>.Count; i < s; i++) dst[i] = (src[i] + b) * k;
                }
            }
        });
    }

    public static void Backward(float[] x, float[] bias, float[] logScale, float[] dy, float[] dx, float[] dbias,
                                float[] dlogScale, Ncs shape)
    {
        int s = shape.S;
        CpuParallel.For(shape.C, 4L * shape.N * s, (x, bias, logScale, dy, dx, dbias, dlogScale, shape, s), static (in state, start, end) =>
        {
            var (x, bias, logScale, dy, dx, dbias, dlogScale, shape, s) = state;
            for (int c = start; c < end; c++)
            {
                float k = MathF.Exp(logScale[c]), b = bias[c];
                double sumDy = 0, sumDyY = 0;
                Vector<float> vk = new(k), vb = new(b);
                for (int n = 0; n < shape.N; n++)
                {
                    int at = (n * shape.C + c) * s;
                    var vdy = MemoryMarshal.Cast<float, Vector<float>>(dy.AsSpan(at, s));
                    var vx = MemoryMarshal.Cast<float, Vector<float>>(x.AsSpan(at, s));
                    var vdx = MemoryMarshal.Cast<float, Vector<float>>(dx.AsSpan(at, s));
                    Vector<float> accDy = Vector<float>.Zero, accDyY = Vector<float>.Zero;
                    for (int v = 0; v < vdx.Length; v++)
                    {
                        var g = vdy[v] * vk;
                        vdx[v] = g;
                        accDy += g;
                        accDyY = Vector.FusedMultiplyAdd(g, vx[v] + vb, accDyY);
                    }
                    float restDy = 0, restDyY = 0;
                    for (int i = vdx.Length * Vector<float>.Count; i < s; i++)
                    {
                        float g = dy[at + i] * k;
                        dx[at + i] = g;
                        restDy += g;
                        restDyY += g * (x[at + i] + b);
                    }
                    sumDy += (double)Vector.Sum(accDy) + restDy;
                    sumDyY += (double)Vector.Sum(accDyY) + restDyY;
                }
                dbias[c] = (float)sumDy;
                dlogScale[c] = (float)sumDyY;
            }
        });
    }
}

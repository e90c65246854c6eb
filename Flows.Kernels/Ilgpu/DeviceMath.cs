using System.Runtime.CompilerServices;
using ILGPU.Algorithms;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Float math for kernels, accurate to about 1e-6 relative on CUDA as well as on the CPU accelerator.
/// Why not MathF / XMath directly: on PTX, ILGPU maps float Tanh to tanh.approx.f32 (relative error ~5e-4),
/// and every double function (Math.Exp, Math.Log ...) to a slow software CORDIC. Exp and Log map to
/// ex2.approx / lg2.approx (error ~2^-22), which is good enough, so everything here is built on those two.
/// </summary>
internal static class DeviceMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x) => XMath.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => XMath.Log(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float x) => XMath.Sqrt(x);

    /// <summary>tanh from its Taylor series near 0 (no cancellation) and from exp elsewhere (no overflow: the argument is capped at 9, where tanh is 1 in float).</summary>
    public static float Tanh(float x)
    {
        float a = x < 0f ? -x : x;
        float r;
        if (a < 0.55f)
        {
            float z = a * a;
            // Coefficients of tanh(a)/a = Σ c_k a^(2k); 10 terms leave < 1e-8 relative at a = 0.55.
            float p = -443861162f / 1856156927625f;
            p = p * z + 6404582f / 10854718875f;
            p = p * z - 929569f / 638512875f;
            p = p * z + 21844f / 6081075f;
            p = p * z - 1382f / 155925f;
            p = p * z + 62f / 2835f;
            p = p * z - 17f / 315f;
            p = p * z + 2f / 15f;
            p = p * z - 1f / 3f;
            p = p * z + 1f;
            r = a * p;
        }
        else
        {
            float e = Exp(2f * (a > 9f ? 9f : a)); // written so that NaN propagates
            r = 1f - 2f / (e + 1f);
        }
        return x < 0f ? -r : r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), with a series for log1p of small arguments.</summary>
    public static float Softplus(float x)
    {
        float a = x < 0f ? -x : x;
        float e = Exp(-a);
        float log1p = e < 0.01f ? e * (1f - e * (0.5f - e * (1f / 3f))) : Log(1f + e);
        return (x > 0f ? x : 0f) + log1p;
    }
}

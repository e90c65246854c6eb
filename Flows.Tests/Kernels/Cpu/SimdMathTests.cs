using System.Numerics;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// The vector exp and log polynomials against double-precision Math over their whole float range: relative
/// error within a few float ulps for normal results, exact special values (0, subnormals, ∞, NaN).
/// </summary>
public class SimdMathTests
{
    private const double Ulp = 5.96e-8; // 2⁻²⁴, half the float spacing at 1

    private static float[] Apply(Func<Vector<float>, Vector<float>> f, float[] x)
    {
        int width = Vector<float>.Count, padded = (x.Length + width - 1) / width * width;
        var input = new float[padded];
        x.CopyTo(input, 0);
        var output = new float[padded];
        for (int i = 0; i < padded; i += width) f(new Vector<float>(input, i)).CopyTo(output, i);
        return output[..x.Length];
    }

    private static float[] Sweep(float from, float to, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = from + (to - from) * i / (count - 1);
        return x;
    }

    [Test]
    public void ExpMatchesDoublePrecisionOverTheFloatRange()
    {
        var x = Sweep(-87f, 88.7f, 200_001);
        var y = Apply(SimdMath.Exp, x);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(x[i]);
            worst = Math.Max(worst, Math.Abs(y[i] - expected) / expected);
        }
        Assert.That(worst, Is.LessThan(3 * Ulp), "worst relative error of exp");
    }

    [Test]
    public void ExpSpecialValues()
    {
        var x = new[] { 0f, -0f, 1f, -1f, 89f, 100f, float.PositiveInfinity, float.NegativeInfinity, -104f, -200f, float.NaN, -100f };
        var y = Apply(SimdMath.Exp, x);
        Assert.Multiple(() =>
        {
            Assert.That(y[0], Is.EqualTo(1f));
            Assert.That(y[1], Is.EqualTo(1f));
            Assert.That(y[2], Is.EqualTo(MathF.E).Within(2e-7f));
            Assert.That(y[3], Is.EqualTo(1f / MathF.E).Within(1e-7f));
            Assert.That(float.IsPositiveInfinity(y[4]), $"exp(89) = {y[4]}");
            Assert.That(float.IsPositiveInfinity(y[5]), $"exp(100) = {y[5]}");
            Assert.That(float.IsPositiveInfinity(y[6]), $"exp(inf) = {y[6]}");
            Assert.That(y[7], Is.EqualTo(0f));
            Assert.That(y[8], Is.EqualTo(0f));
            Assert.That(y[9], Is.EqualTo(0f));
            Assert.That(float.IsNaN(y[10]), "exp(NaN)");
            // A subnormal result: e^-100 ≈ 3.72e-44 = 26.5 times the smallest subnormal.
            Assert.That(y[11], Is.EqualTo((float)Math.Exp(-100)).Within(1.5e-45f));
        });
    }

    [Test]
    public void LogMatchesDoublePrecisionOverTheFloatRange()
    {
        var x = new float[400_000];
        var rng = new Random(5);
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Pow(2f, (float)(rng.NextDouble() * 252 - 125)) * (float)(0.5 + rng.NextDouble());
        x[0] = 1f;
        x[1] = 1.0000001f;
        x[2] = 0.99999994f;
        x[3] = float.MaxValue;
        var y = Apply(SimdMath.Log, x);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Log(x[i]);
            if (expected == 0)
                Assert.That(y[i], Is.EqualTo(0f), "log 1");
            else
                worst = Math.Max(worst, Math.Abs(y[i] - expected) / Math.Abs(expected));
        }
        Assert.That(worst, Is.LessThan(4 * Ulp), "worst relative error of log");
    }

    [Test]
    public void LogSpecialValuesAndSubnormals()
    {
        var x = new[] { 0f, -1f, float.NaN, float.PositiveInfinity, 1f, 1e-40f, float.Epsilon, 2f };
        var y = Apply(SimdMath.Log, x);
        Assert.Multiple(() =>
        {
            Assert.That(float.IsNegativeInfinity(y[0]), $"log 0 = {y[0]}");
            Assert.That(float.IsNaN(y[1]), "log −1");
            Assert.That(float.IsNaN(y[2]), "log NaN");
            Assert.That(float.IsPositiveInfinity(y[3]), "log ∞");
            Assert.That(y[4], Is.EqualTo(0f));
            Assert.That(y[5], Is.EqualTo((float)Math.Log(1e-40f)).Within(1e-5f));
            Assert.That(y[6], Is.EqualTo((float)Math.Log(float.Epsilon)).Within(1e-5f));
            Assert.That(y[7], Is.EqualTo(MathF.Log(2f)).Within(1e-7f));
        });
    }

    [Test]
    public void SigmoidAndTanhStayAccurateAtTheTails()
    {
        var x = Sweep(-30f, 30f, 60_001);
        var sigmoid = Apply(SimdMath.Sigmoid, x);
        var tanh = Apply(SimdMath.Tanh, x);
        double worstSigmoid = 0, worstTanh = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double s = 1 / (1 + Math.Exp(-x[i])), t = Math.Tanh(x[i]);
            worstSigmoid = Math.Max(worstSigmoid, Math.Abs(sigmoid[i] - s) / s);
            if (t != 0) worstTanh = Math.Max(worstTanh, Math.Abs(tanh[i] - t) / Math.Abs(t));
        }
        Assert.That(worstSigmoid, Is.LessThan(6 * Ulp), "sigmoid");
        Assert.That(worstTanh, Is.LessThan(8 * Ulp), "tanh");
    }
}

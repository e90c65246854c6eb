using Flows.Core;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>The strided and transposed convolutions built from stride-1 primitives, against direct loops.</summary>
[TestFixture]
public sealed class StridedConvTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    [TestCase(1, 4, 9), TestCase(2, 4, 10), TestCase(2, 3, 9), TestCase(3, 4, 11)]
    public void StridedConvMatchesDirectLoops(int stride, int k, int size)
    {
        using var scope = new TensorScope();
        int n = 2, cin = 3, cout = 2;
        var x = Tensor.Uniform(_backend, 1, 0, n, cin, size, size);
        var w = Tensor.Uniform(_backend, 2, 0, cout, cin, k, k);
        var bias = Tensor.Uniform(_backend, 3, 0, cout);
        var y = Ops.Conv2dStrided(x, w, bias, stride);
        int outSize = (size - k) / stride + 1;
        Assert.That(y.Shape, Is.EqualTo(new[] { n, cout, outSize, outSize }));
        var xs = x.ToArray(); var ws = w.ToArray(); var bs = bias.ToArray(); var ys = y.ToArray();
        for (int b = 0; b < n; b++)
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < outSize; i++)
                    for (int j = 0; j < outSize; j++)
                    {
                        double sum = bs[o];
                        for (int c = 0; c < cin; c++)
                            for (int a = 0; a < k; a++)
                                for (int e = 0; e < k; e++)
                                    sum += xs[((b * cin + c) * size + i * stride + a) * size + j * stride + e] * ws[((o * cin + c) * k + a) * k + e];
                        Assert.That(ys[((b * cout + o) * outSize + i) * outSize + j], Is.EqualTo(sum).Within(1e-4));
                    }
    }

    [TestCase(1, 4, 3), TestCase(2, 4, 4), TestCase(2, 3, 3)]
    public void TransposedConvMatchesDirectLoops(int stride, int k, int size)
    {
        using var scope = new TensorScope();
        int n = 2, cin = 3, cout = 2;
        var x = Tensor.Uniform(_backend, 4, 0, n, cin, size, size);
        var w = Tensor.Uniform(_backend, 5, 0, cin, cout, k, k);
        var bias = Tensor.Uniform(_backend, 6, 0, cout);
        var y = Ops.ConvTranspose2d(x, w, bias, stride);
        int outSize = (size - 1) * stride + k;
        Assert.That(y.Shape, Is.EqualTo(new[] { n, cout, outSize, outSize }));
        var expected = new double[n * cout * outSize * outSize];
        var xs = x.ToArray(); var ws = w.ToArray(); var bs = bias.ToArray();
        for (int b = 0; b < n; b++)
            for (int o = 0; o < cout; o++)
            {
                for (int p = 0; p < outSize * outSize; p++) expected[(b * cout + o) * outSize * outSize + p] = bs[o];
                for (int c = 0; c < cin; c++)
                    for (int i = 0; i < size; i++)
                        for (int j = 0; j < size; j++)
                            for (int a = 0; a < k; a++)
                                for (int e = 0; e < k; e++)
                                    expected[((b * cout + o) * outSize + i * stride + a) * outSize + j * stride + e] +=
                                        xs[((b * cin + c) * size + i) * size + j] * ws[((c * cout + o) * k + a) * k + e];
            }
        Assert.That(y.ToArray().Select(v => (double)v), Is.EqualTo(expected).Within(1e-4));
    }

    [Test]
    public void GradientsMatchFiniteDifferences()
    {
        // loss = Σ r ∘ ConvT(Conv(x, w1, stride 2), w2, stride 2): checks both backward paths of both ops.
        using var scope = new TensorScope();
        var x = Tensor.Uniform(_backend, 7, 0, 1, 2, 10, 10);
        var w1 = Tensor.Uniform(_backend, 8, 0, 3, 2, 4, 4);
        var w2 = Tensor.Uniform(_backend, 9, 0, 3, 2, 4, 4);
        var r = Tensor.Uniform(_backend, 10, 0, 1, 2, 10, 10);
        foreach (var t in new[] { x, w1, w2 }) t.RequiresGrad = true;
        Tensor Loss() => Ops.Sum(Ops.Mul(Ops.ConvTranspose2d(Ops.Conv2dStrided(x, w1, null, 2), w2, null, 2), r));
        Loss().Backward();
        foreach (var t in new[] { x, w1, w2 })
        {
            var grad = t.Grad!.ToArray();
            var values = t.ToArray();
            foreach (int i in new[] { 0, 5, values.Length / 2, values.Length - 1 })
            {
                const float h = 1e-2f;
                double f(float delta)
                {
                    var v = (float[])values.Clone();
                    v[i] += delta;
                    t.CopyFrom(v);
                    using var _ = Autograd.NoGrad();
                    double result = Loss().Item();
                    t.CopyFrom(values);
                    return result;
                }
                double numeric = (f(h) - f(-h)) / (2 * h);
                Assert.That(grad[i], Is.EqualTo(numeric).Within(2e-2 * Math.Max(1, Math.Abs(numeric))), $"{Shapes.Format(t.Shape)}[{i}]");
            }
        }
    }
}

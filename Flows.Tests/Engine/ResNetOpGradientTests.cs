using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>
/// ResNet-18's ops against central finite differences: strided, padded Conv2d, MaxPool2d and
/// GlobalAveragePool; and the conv-autoencoder's Conv2dStrided and ConvTranspose2d, now routed to the native
/// strided convolution for odd kernels, against finite differences and the selection-matrix construction.
/// </summary>
[TestFixture]
public sealed class ResNetOpGradientTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private static Tensor R(Random rng, params int[] shape) => GradCheck.RandomTensor(B, rng, InputRange.Smooth, shape);

    [TestCase(3, 1, 2, true)]
    [TestCase(3, 0, 3, false)]
    [TestCase(1, 0, 2, true)]
    [TestCase(7, 3, 2, false)]
    [TestCase(5, 2, 2, true)]
    [TestCase(3, 2, 2, false)]
    public void StridedConv2d(int kernel, int padding, int stride, bool bias)
    {
        var rng = new Random(300 + kernel * 16 + padding * 4 + stride);
        var inputs = new List<Tensor> { R(rng, 2, 2, 7, 8), R(rng, 3, 2, kernel, kernel) };
        if (bias) inputs.Add(R(rng, 3));
        GradCheck.AssertGradients($"Conv2d k{kernel} pad {padding} stride {stride} bias {bias}",
            xs => Ops.Conv2d(xs[0], xs[1], bias ? xs[2] : null, padding, stride), inputs.ToArray());
    }

    [TestCase(2, 2, 0)]
    [TestCase(3, 2, 1)]
    [TestCase(3, 1, 1)]
    [TestCase(2, 1, 0)]
    public void MaxPool2d(int kernel, int stride, int padding)
    {
        // Distinct values 0.04 apart, shuffled: no two elements of a window are closer than twice the
        // finite-difference step, so the maximum (and thus the gradient) is locally constant.
        var rng = new Random(400 + kernel * 4 + stride * 2 + padding);
        const int count = 2 * 2 * 6 * 7;
        var values = Enumerable.Range(0, count).Select(i => (i - count / 2) * 0.04f).OrderBy(_ => rng.Next()).ToArray();
        var x = Tensor.FromArray(B, values, 2, 2, 6, 7);
        GradCheck.AssertGradients($"MaxPool2d k{kernel} s{stride} p{padding}",
            xs => Ops.MaxPool2d(xs[0], kernel, stride, padding), [x], options: new GradCheckOptions(RelativeStep: 1e-3));
    }

    [Test]
    public void GlobalAveragePool()
    {
        var rng = new Random(500);
        var x = R(rng, 3, 4, 5, 6);
        using (var scope = new TensorScope())
        {
            var y = Ops.GlobalAveragePool(x);
            Assert.That(y.Shape, Is.EqualTo(new[] { 3, 4, 1, 1 }));
            var xs = x.ToArray();
            var ys = y.ToArray();
            for (int plane = 0; plane < 12; plane++)
                Assert.That(ys[plane], Is.EqualTo(xs.Skip(plane * 30).Take(30).Average()).Within(1e-5), $"plane {plane}");
        }
        GradCheck.AssertGradients("GlobalAveragePool", xs => Ops.GlobalAveragePool(xs[0]), [x]);
    }

    [Test]
    public void MaxPoolAndConvRejectBadArguments()
    {
        var x = R(new Random(501), 1, 2, 4, 4);
        var w = R(new Random(502), 2, 2, 3, 3);
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(x, 2, 0, 0));
        Assert.Throws<ArgumentException>(() => Ops.MaxPool2d(x, 7, 1, 1));
        Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, w, null, 1, 0));
        Assert.Throws<ArgumentException>(() => Ops.Conv2d(x, R(new Random(503), 2, 2, 7, 7), null, 1, 2));
    }

    [TestCase(2, 3)]
    [TestCase(3, 1)]
    [TestCase(2, 5)]
    public void NativeStridedAutoencoderOps(int stride, int k)
    {
        var rng = new Random(700 + stride * 8 + k);
        GradCheck.AssertGradients($"Conv2dStrided s{stride} k{k}",
            xs => Ops.Conv2dStrided(xs[0], xs[1], xs[2], stride), [R(rng, 2, 2, 9, 8), R(rng, 3, 2, k, k), R(rng, 3)]);
        GradCheck.AssertGradients($"ConvTranspose2d s{stride} k{k}",
            xs => Ops.ConvTranspose2d(xs[0], xs[1], xs[2], stride), [R(rng, 2, 3, 3, 4), R(rng, 3, 2, k, k), R(rng, 2)]);
    }

    [TestCase(2, 3, 9)]
    [TestCase(2, 3, 10)]
    [TestCase(3, 5, 13)]
    [TestCase(2, 1, 7)]
    public void StridedOddKernelsEqualTheSelectionConstruction(int stride, int k, int size)
    {
        using var scope = new TensorScope();
        var rng = new Random(600 + stride * 32 + k * 8 + size);
        var x = R(rng, 2, 3, size, size);
        var w = R(rng, 4, 3, k, k);
        var bias = R(rng, 4);
        var native = Ops.Conv2dStrided(x, w, bias, stride).ToArray();
        // Before the routing: a stride-1 'same' convolution, then every stride-th output picked by a 0/1 matrix.
        int outSize = (size - k) / stride + 1, pad = k / 2;
        var same = Ops.Conv2d(x, w, bias, pad);
        var pick = Ops.SelectionMatrix(B, size, size, outSize, outSize, stride, pad);
        var selected = Ops.SpatialMap(same, pick, outSize, outSize).ToArray();
        Assert.That(native, Has.Length.EqualTo(selected.Length));
        for (int i = 0; i < native.Length; i++) Assert.That(native[i], Is.EqualTo(selected[i]).Within(1e-4), $"element {i}");
    }
}

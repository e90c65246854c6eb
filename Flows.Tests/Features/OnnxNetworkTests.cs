using Flows.Core;
using Flows.Core.Features;
using Flows.Core.Onnx;
using Flows.Kernels.Cpu;
using static Flows.Tests.Features.TinyModels;

namespace Flows.Tests.Features;

/// <summary>Our interpreter on tiny hand-made models, against a plain loop and against ONNX Runtime on the same bytes.</summary>
public class OnnxNetworkTests
{
    private static float[] RunOurs(OnnxModel model, float[] input, long[] dims, bool fold = true)
    {
        using var backend = new ManagedCpuBackend();
        var parsed = OnnxModel.Parse(OnnxWriter.Write(model)); // through the bytes, as a file would be read
        using var net = new OnnxNetwork(backend, parsed.Graph, new OnnxNetworkOptions { FoldBatchNorm = fold });
        using var x = Tensor.FromArray(backend, input, dims.Select(d => (int)d).ToArray());
        using var y = net.Forward(x);
        return y.ToArray();
    }

    private static float[] NaiveConv(float[] x, float[] w, float[] b, int n, int cin, int h, int cout, int k, int s, int p)
    {
        int o = (h + 2 * p - k) / s + 1;
        var y = new float[n * cout * o * o];
        for (int img = 0; img < n; img++)
            for (int co = 0; co < cout; co++)
                for (int oy = 0; oy < o; oy++)
                    for (int ox = 0; ox < o; ox++)
                    {
                        double sum = b[co];
                        for (int ci = 0; ci < cin; ci++)
                            for (int a = 0; a < k; a++)
                                for (int c = 0; c < k; c++)
                                {
                                    int iy = oy * s - p + a, ix = ox * s - p + c;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < h)
                                        sum += x[((img * cin + ci) * h + iy) * h + ix] * w[((co * cin + ci) * k + a) * k + c];
                                }
                        y[((img * cout + co) * o + oy) * o + ox] = (float)sum;
                    }
        return y;
    }

    [TestCase(1, 1)]
    [TestCase(2, 1)]
    [TestCase(2, 2)]
    public void OneConvMatchesAPlainLoopAndOnnxRuntime(int stride, int pad)
    {
        long[] dims = [2, 3, 9, 9];
        var w = Floats("W", [4, 3, 3, 3], 1);
        var b = Floats("B", [4], 2);
        int o = (9 + 2 * pad - 3) / stride + 1;
        var model = Model(dims, [2, 4, o, o], [Node("Conv", ["X", "W", "B"], "Y", Ints("kernel_shape", 3, 3), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad))], w, b);
        var x = Input(dims, 3);

        var ours = RunOurs(model, x, dims);
        var loop = NaiveConv(x, w.Floats!, b.Floats!, 2, 3, 9, 4, 3, stride, pad);
        var ort = Ort(OnnxWriter.Write(model), x, dims);

        Assert.That(MaxRelativeError(ours, loop), Is.LessThan(1e-5));
        Assert.That(MaxRelativeError(ours, ort), Is.LessThan(1e-5));
    }

    [TestCase(3, 1, 1)]
    [TestCase(3, 2, 1)]
    [TestCase(5, 1, 1)]
    [TestCase(3, 2, 2)]
    [TestCase(1, 2, 2)]
    public void ConvWithAOnePixelOutputIsOneMatrixProductThatMatchesAPlainLoopAndOnnxRuntime(int kernel, int stride, int size)
    {
        // ResNet-18 at 32×32: 3×3 'same' convolutions on 1×1 planes (only the centre tap meets a pixel) and the
        // stride-2 3×3 and 1×1 convolutions from 2×2 to 1×1; the network runs them as one Linear over the batch.
        long[] dims = [3, 6, size, size];
        int pad = kernel / 2;
        var w = Floats("W", [5, 6, kernel, kernel], 11);
        var b = Floats("B", [5], 12);
        int o = (size + 2 * pad - kernel) / stride + 1;
        Assert.That(o, Is.EqualTo(1));
        var model = Model(dims, [3, 5, 1, 1], [Node("Conv", ["X", "W", "B"], "Y", Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad))], w, b);
        var x = Input(dims, 13);

        var ours = RunOurs(model, x, dims);
        var loop = NaiveConv(x, w.Floats!, b.Floats!, 3, 6, size, 5, kernel, stride, pad);
        var ort = Ort(OnnxWriter.Write(model), x, dims);

        Assert.That(MaxRelativeError(ours, loop), Is.LessThan(1e-5));
        Assert.That(MaxRelativeError(ours, ort), Is.LessThan(1e-5));
    }

    private static OnnxModel ConvBnRelu()
    {
        var gamma = Floats("gamma", [4], 5);
        var beta = Floats("beta", [4], 6);
        var mean = Floats("mean", [4], 7);
        var variance = new OnnxTensor("var", [4], Floats("v", [4], 8).Floats!.Select(v => 0.5f + v * v).ToArray());
        return Model([2, 3, 8, 8], [2, 4, 4, 4],
            [
                Node("Conv", ["X", "W"], "C", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)),
                Node("BatchNormalization", ["C", "gamma", "beta", "mean", "var"], "N", Float("epsilon", 1e-3f)),
                Node("Relu", ["N"], "Y"),
            ],
            Floats("W", [4, 3, 3, 3], 4), gamma, beta, mean, variance);
    }

    [Test]
    public void ConvBatchNormReluFoldedEqualsUnfoldedAndOnnxRuntime()
    {
        long[] dims = [2, 3, 8, 8];
        var model = ConvBnRelu();
        var x = Input(dims, 9);
        var folded = RunOurs(model, x, dims, fold: true);
        var unfolded = RunOurs(model, x, dims, fold: false);
        var ort = Ort(OnnxWriter.Write(model), x, dims);

        Assert.That(MaxRelativeError(folded, unfolded), Is.LessThan(1e-5));
        Assert.That(MaxRelativeError(folded, ort), Is.LessThan(1e-5));
        Assert.That(folded.Count(v => v == 0f), Is.GreaterThan(0), "the ReLU clipped something");
    }

    [Test]
    public void FoldingRemovesTheBatchNormStep()
    {
        using var backend = new ManagedCpuBackend();
        using var folded = new OnnxNetwork(backend, ConvBnRelu().Graph);
        using var unfolded = new OnnxNetwork(backend, ConvBnRelu().Graph, new OnnxNetworkOptions { FoldBatchNorm = false });
        Assert.That(folded.StepNames, Is.EqualTo(new[] { "Conv+BatchNormalization", "Relu" }));
        Assert.That(unfolded.StepNames, Is.EqualTo(new[] { "Conv", "BatchNormalization", "Relu" }));
    }

    [Test]
    public void MaxPoolSkipsPaddedCellsLikeOnnxRuntime()
    {
        long[] dims = [1, 2, 7, 7];
        var model = Model(dims, [1, 2, 4, 4], [Node("MaxPool", ["X"], "Y", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1))]);
        // All negative: a padded zero would win if padding counted.
        var x = Input(dims, 10).Select(v => -1f - Math.Abs(v)).ToArray();
        var ours = RunOurs(model, x, dims);
        Assert.That(ours, Is.All.LessThan(-1f + 1e-6f));
        Assert.That(ours[0], Is.EqualTo(new[] { x[0], x[1], x[7], x[8] }.Max()), "top-left window covers input rows and columns 0..1 only");
        Assert.That(MaxRelativeError(ours, Ort(OnnxWriter.Write(model), x, dims)), Is.EqualTo(0));
    }

    [Test]
    public void AddOfTwoBranchesThenGlobalPoolMatchesOnnxRuntime()
    {
        long[] dims = [2, 3, 6, 6];
        var model = Model(dims, [2, 3, 1, 1],
            [
                Node("Relu", ["X"], "R"),
                Node("Conv", ["X", "W"], "C", Ints("kernel_shape", 1, 1)),
                Node("Add", ["C", "R"], "S"),
                Node("Relu", ["S"], "T"),
                Node("AveragePool", ["T"], "Y", Ints("kernel_shape", 6, 6)),
            ],
            Floats("W", [3, 3, 1, 1], 11));
        var x = Input(dims, 12);
        var ours = RunOurs(model, x, dims);
        var ort = Ort(OnnxWriter.Write(model), x, dims);
        Assert.That(MaxRelativeError(ours, ort), Is.LessThan(1e-5));
    }

    [Test]
    public void AveragePoolAsWrittenRefusesAWindowThatIsNotGlobal()
    {
        using var backend = new ManagedCpuBackend();
        var model = Model([1, 1, 8, 8], [1, 1, 2, 2], [Node("AveragePool", ["X"], "Y", Ints("kernel_shape", 7, 7))]);
        using var net = new OnnxNetwork(backend, model.Graph, new OnnxNetworkOptions { AveragePool = AveragePoolMode.AsWritten });
        using var x = Tensor.Zeros(backend, 1, 1, 8, 8);
        var e = Assert.Throws<OnnxFormatException>(() => net.Forward(x));
        Assert.That(e!.Message, Does.Contain("a 7×7 window on a 8×8 input is not a global average"));
    }

    [Test]
    public void BilinearResizeMatchesOnnxRuntimeHalfPixel()
    {
        var pixels = Enumerable.Range(0, 2 * 28 * 28).Select(i => (byte)(i * 37 % 256)).ToArray();
        foreach (int size in new[] { 64, 224, 17 })
        {
            var resize = new BilinearResize(28, 28, size, size);
            var ours = new float[2 * size * size];
            for (int p = 0; p < 2; p++) resize.Resize(pixels.AsSpan(p * 784, 784), ours.AsSpan(p * size * size, size * size));
            var ort = Ort(OnnxWriter.Write(OnnxGraphEdits.ResizeModel(1, 2, 28, 28, size)), pixels.Select(b => (float)b).ToArray(), [1, 2, 28, 28]);
            Assert.That(MaxRelativeError(ours, ort), Is.LessThan(1e-5), $"size {size}");
        }
    }
}

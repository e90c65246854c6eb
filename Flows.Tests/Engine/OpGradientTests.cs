using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>Every differentiable op in Flows.Core/Ops against central finite differences.</summary>
[TestFixture]
public class OpGradientTests
{
    private static IComputeBackend B => EngineBackend.Cpu;

    private static Tensor R(Random rng, InputRange range, params int[] shape) => GradCheck.RandomTensor(B, rng, range, shape);

    // ---- element-wise ---------------------------------------------------------------------------------

    [TestCase(UnaryOp.Copy, InputRange.Smooth, 0f)]
    [TestCase(UnaryOp.Neg, InputRange.Smooth, 0f)]
    [TestCase(UnaryOp.Exp, InputRange.Smooth, 0f)]
    [TestCase(UnaryOp.Log, InputRange.Positive, 0f)]
    [TestCase(UnaryOp.Tanh, InputRange.Smooth, 0f)]
    [TestCase(UnaryOp.Sigmoid, InputRange.Smooth, 0f)]
    [TestCase(UnaryOp.Relu, InputRange.AwayFromZero, 0f)]
    [TestCase(UnaryOp.LeakyRelu, InputRange.AwayFromZero, 0.1f)]
    [TestCase(UnaryOp.Abs, InputRange.AwayFromZero, 0f)]
    [TestCase(UnaryOp.Square, InputRange.Smooth, 0f)]
    [TestCase(UnaryOp.Sqrt, InputRange.Positive, 0f)]
    [TestCase(UnaryOp.Reciprocal, InputRange.Positive, 0f)]
    [TestCase(UnaryOp.Scale, InputRange.Smooth, -1.7f)]
    [TestCase(UnaryOp.AddScalar, InputRange.Smooth, 0.3f)]
    [TestCase(UnaryOp.Softplus, InputRange.Smooth, 0f)]
    public void Unary(UnaryOp op, InputRange range, float alpha)
    {
        var rng = new Random(1 + (int)op);
        GradCheck.AssertGradients($"Unary {op}", xs => Ops.Unary(xs[0], op, alpha), [R(rng, range, 2, 3, 2, 2)]);
    }

    [Test]
    public void EveryUnaryOpIsCovered()
    {
        var covered = typeof(OpGradientTests).GetMethod(nameof(Unary))!
            .GetCustomAttributes(typeof(TestCaseAttribute), false).Cast<TestCaseAttribute>()
            .Select(a => (UnaryOp)a.Arguments[0]!).ToHashSet();
        Assert.That(covered, Is.EquivalentTo(Enum.GetValues<UnaryOp>()));
    }

    [Test]
    public void UnaryWrappersMatchTheirOps()
    {
        var rng = new Random(2);
        GradCheck.AssertGradients("Softplus ∘ LeakyRelu ∘ Scale", xs => Ops.Softplus(Ops.LeakyRelu(Ops.Scale(xs[0], 2f), 0.2f)),
            [R(rng, InputRange.AwayFromZero, 3, 4)]);
    }

    [Test]
    public void HighwayGate()
    {
        var rng = new Random(3);
        GradCheck.AssertGradients("HighwayGate", xs => Ops.HighwayGate(xs[0], xs[1], xs[2]),
            [R(rng, InputRange.Smooth, 2, 3, 2, 2), R(rng, InputRange.Smooth, 2, 3, 2, 2), R(rng, InputRange.Smooth, 2, 3, 2, 2)]);
    }

    [Test]
    public void HighwayGateEqualsTheUnfusedFormula()
    {
        var rng = new Random(4);
        var a = R(rng, InputRange.Smooth, 3, 5, 7);
        var t = R(rng, InputRange.Smooth, 3, 5, 7);
        var h = R(rng, InputRange.Smooth, 3, 5, 7);
        var fused = Ops.HighwayGate(a, t, h).ToArray();
        var gate = Ops.Sigmoid(t);
        var unfused = Ops.Add(Ops.Mul(a, gate), Ops.Sub(h, Ops.Mul(h, gate))).ToArray();
        Assert.That(fused, Is.EqualTo(unfused).Within(1e-6f));
    }

    private static readonly BinaryOp[] AllBinary = Enum.GetValues<BinaryOp>();

    private static InputRange RightRange(BinaryOp op) => op == BinaryOp.Div ? InputRange.Positive : InputRange.Smooth;

    [TestCaseSource(nameof(AllBinary))]
    public void SameShape(BinaryOp op)
    {
        var rng = new Random(10 + (int)op);
        Func<Tensor, Tensor, Tensor> f = op switch
        {
            BinaryOp.Add => Ops.Add,
            BinaryOp.Sub => Ops.Sub,
            BinaryOp.Mul => Ops.Mul,
            _ => Ops.Div,
        };
        GradCheck.AssertGradients($"{op} same shape", xs => f(xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 2, 3, 2, 2), R(rng, RightRange(op), 2, 3, 2, 2)]);
    }

    [TestCaseSource(nameof(AllBinary))]
    public void Channelwise(BinaryOp op)
    {
        var rng = new Random(20 + (int)op);
        GradCheck.AssertGradients($"{op} channelwise (NCHW)", xs => Ops.Channelwise(op, xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 2, 3, 2, 2), R(rng, RightRange(op), 3)]);
        GradCheck.AssertGradients($"{op} channelwise (N, F)", xs => Ops.Channelwise(op, xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 4, 3), R(rng, RightRange(op), 3)]);
    }

    [TestCaseSource(nameof(AllBinary))]
    public void Samplewise(BinaryOp op)
    {
        var rng = new Random(30 + (int)op);
        GradCheck.AssertGradients($"{op} samplewise", xs => Ops.Samplewise(op, xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 3, 2, 2, 2), R(rng, RightRange(op), 3)]);
    }

    [TestCaseSource(nameof(AllBinary))]
    public void WithScalar(BinaryOp op)
    {
        var rng = new Random(40 + (int)op);
        GradCheck.AssertGradients($"{op} with scalar", xs => Ops.WithScalar(op, xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 2, 3, 2), R(rng, RightRange(op), 1)]);
    }

    [Test]
    public void AnInputUsedTwiceGetsBothContributions()
    {
        var rng = new Random(50);
        GradCheck.AssertGradients("x·x + x", xs => Ops.Add(Ops.Mul(xs[0], xs[0]), xs[0]), [R(rng, InputRange.Smooth, 2, 5)]);
    }

    // ---- reductions -----------------------------------------------------------------------------------

    [Test]
    public void Reductions()
    {
        var rng = new Random(60);
        GradCheck.AssertGradients("Sum", xs => Ops.Sum(xs[0]), [R(rng, InputRange.Smooth, 2, 3, 2, 2)]);
        GradCheck.AssertGradients("Mean", xs => Ops.Mean(xs[0]), [R(rng, InputRange.Smooth, 2, 3, 2, 2)]);
        GradCheck.AssertGradients("SumPerSample", xs => Ops.SumPerSample(xs[0]), [R(rng, InputRange.Smooth, 3, 2, 2, 2)]);
        GradCheck.AssertGradients("SumPerChannel", xs => Ops.SumPerChannel(xs[0]), [R(rng, InputRange.Smooth, 2, 3, 2, 2)]);
        GradCheck.AssertGradients("SumPerChannel (N, F)", xs => Ops.SumPerChannel(xs[0]), [R(rng, InputRange.Smooth, 4, 3)]);
    }

    [TestCase(1, 3, 1)]
    [TestCase(2, 1, 4)]
    [TestCase(1, 1, 4)]
    [TestCase(2, 3, 1)]
    [TestCase(2, 3, 4)]
    public void SumTo(int n, int c, int s)
    {
        var rng = new Random(70 + n * 100 + c * 10 + s);
        GradCheck.AssertGradients($"SumTo (2,3,4)→({n},{c},{s})",
            xs => Ops.SumTo(xs[0], new Ncs(2, 3, 4), new Ncs(n, c, s), [n, c, s]), [R(rng, InputRange.Smooth, 2, 3, 4)]);
    }

    // ---- layout ---------------------------------------------------------------------------------------

    [Test]
    public void Reshape()
    {
        var rng = new Random(80);
        GradCheck.AssertGradients("Reshape", xs => Ops.Reshape(xs[0], 6, 4), [R(rng, InputRange.Smooth, 2, 3, 2, 2)]);
        GradCheck.AssertGradients("Reshape then Square", xs => Ops.Square(xs[0].Reshape(4, 6)), [R(rng, InputRange.Smooth, 2, 3, 4)]);
    }

    [Test]
    public void ConcatChannels()
    {
        var rng = new Random(90);
        GradCheck.AssertGradients("ConcatChannels (NCHW)", xs => Ops.ConcatChannels(xs[0], xs[1], xs[2]),
            [R(rng, InputRange.Smooth, 2, 1, 2, 3), R(rng, InputRange.Smooth, 2, 3, 2, 3), R(rng, InputRange.Smooth, 2, 2, 2, 3)]);
        GradCheck.AssertGradients("ConcatChannels (N, F)", xs => Ops.ConcatChannels(xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 3, 2), R(rng, InputRange.Smooth, 3, 4)]);
        GradCheck.AssertGradients("ConcatChannels [x, −x]", xs => Ops.ConcatChannels(xs[0], Ops.Neg(xs[0])),
            [R(rng, InputRange.Smooth, 2, 2, 2, 2)]);
    }

    [Test]
    public void NarrowAndChunkChannels()
    {
        var rng = new Random(100);
        GradCheck.AssertGradients("NarrowChannels", xs => Ops.NarrowChannels(xs[0], 1, 3), [R(rng, InputRange.Smooth, 2, 5, 2, 2)]);
        GradCheck.AssertGradients("NarrowChannels (N, F)", xs => Ops.NarrowChannels(xs[0], 2, 2), [R(rng, InputRange.Smooth, 3, 4)]);
        GradCheck.AssertGradients("ChunkChannels", xs =>
        {
            var (a, b) = Ops.ChunkChannels(xs[0]);
            return [a, b];
        }, [R(rng, InputRange.Smooth, 2, 4, 2, 2)]);
        GradCheck.AssertGradients("ChunkChannels, first half only", xs => Ops.ChunkChannels(xs[0]).First, [R(rng, InputRange.Smooth, 3, 6)]);
    }

    [Test]
    public void SqueezeAndUnsqueeze()
    {
        var rng = new Random(110);
        GradCheck.AssertGradients("Squeeze2x2", xs => Ops.Squeeze2x2(xs[0]), [R(rng, InputRange.Smooth, 2, 2, 4, 4)]);
        GradCheck.AssertGradients("Unsqueeze2x2", xs => Ops.Unsqueeze2x2(xs[0]), [R(rng, InputRange.Smooth, 2, 8, 2, 2)]);
    }

    // ---- dense ----------------------------------------------------------------------------------------

    [Test]
    public void Conv2d([Values(1, 3, 5)] int kernel, [Values(false, true)] bool same, [Values(false, true)] bool bias)
    {
        var rng = new Random(120 + kernel * 4 + (same ? 2 : 0) + (bias ? 1 : 0));
        int padding = same ? kernel / 2 : 0;
        var inputs = new List<Tensor> { R(rng, InputRange.Smooth, 2, 2, 6, 6), R(rng, InputRange.Smooth, 3, 2, kernel, kernel) };
        if (bias) inputs.Add(R(rng, InputRange.Smooth, 3));
        GradCheck.AssertGradients($"Conv2d k{kernel} pad {padding} bias {bias}",
            xs => Ops.Conv2d(xs[0], xs[1], bias ? xs[2] : null, padding), inputs.ToArray());
    }

    [Test]
    public void MatMulAndLinear()
    {
        var rng = new Random(130);
        GradCheck.AssertGradients("MatMul", xs => Ops.MatMul(xs[0], xs[1]), [R(rng, InputRange.Smooth, 3, 4), R(rng, InputRange.Smooth, 4, 5)]);
        GradCheck.AssertGradients("Linear with bias", xs => Ops.Linear(xs[0], xs[1], xs[2]),
            [R(rng, InputRange.Smooth, 4, 3), R(rng, InputRange.Smooth, 5, 3), R(rng, InputRange.Smooth, 5)]);
        GradCheck.AssertGradients("Linear without bias", xs => Ops.Linear(xs[0], xs[1], null),
            [R(rng, InputRange.Smooth, 4, 3), R(rng, InputRange.Smooth, 5, 3)]);
    }

    // ---- normalization --------------------------------------------------------------------------------

    [Test]
    public void BatchNormTrainingMode()
    {
        var rng = new Random(140);
        var mean = Tensor.Zeros(B, 3);
        var variance = Tensor.Ones(B, 3);
        GradCheck.AssertGradients("BatchNorm train (NCHW)", xs => Ops.BatchNorm(xs[0], xs[1], xs[2], mean, variance, training: true),
            [R(rng, InputRange.Smooth, 4, 3, 2, 2), R(rng, InputRange.Smooth, 3), R(rng, InputRange.Smooth, 3)]);
        GradCheck.AssertGradients("BatchNorm train (N, F)", xs => Ops.BatchNorm(xs[0], xs[1], xs[2], mean, variance, training: true),
            [R(rng, InputRange.Smooth, 6, 3), R(rng, InputRange.Smooth, 3), R(rng, InputRange.Smooth, 3)]);
    }

    [Test]
    public void BatchNormEvaluationMode()
    {
        var rng = new Random(150);
        var mean = Tensor.FromArray(B, [0.3f, -0.2f, 0.1f], 3);
        var variance = Tensor.FromArray(B, [0.5f, 1.5f, 2.0f], 3);
        GradCheck.AssertGradients("BatchNorm eval", xs => Ops.BatchNorm(xs[0], xs[1], xs[2], mean, variance, training: false),
            [R(rng, InputRange.Smooth, 4, 3, 2, 2), R(rng, InputRange.Smooth, 3), R(rng, InputRange.Smooth, 3)]);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void BatchNormWithFusedRelu(bool training)
    {
        // Finite differences are undefined at ReLU's kink: draw until no normalized value lies within 0.05 of 0
        // (deterministic: the same draw every run).
        var rng = new Random(160);
        Tensor[] inputs;
        do
        {
            inputs = [R(rng, InputRange.Smooth, 4, 3, 2, 2), R(rng, InputRange.Smooth, 3), R(rng, InputRange.Smooth, 3)];
        }
        while (Normalized(inputs, training).Any(z => MathF.Abs(z) < 0.05f));
        GradCheck.AssertGradients($"BatchNorm + ReLU ({(training ? "train" : "eval")})",
            xs => Ops.BatchNorm(xs[0], xs[1], xs[2], EvalMean(), EvalVariance(), training, relu: true), inputs);

        static Tensor EvalMean() => Tensor.FromArray(B, [0.3f, -0.2f, 0.1f], 3);
        static Tensor EvalVariance() => Tensor.FromArray(B, [0.5f, 1.5f, 2.0f], 3);
        static float[] Normalized(Tensor[] xs, bool training)
        {
            using (Autograd.NoGrad())
                return Ops.BatchNorm(xs[0], xs[1], xs[2], EvalMean(), EvalVariance(), training).ToArray();
        }
    }

    // ---- flow ops -------------------------------------------------------------------------------------

    [Test]
    public void Coupling([Values(false, true)] bool masked, [Values(false, true)] bool images)
    {
        var rng = new Random(160 + (masked ? 1 : 0) + (images ? 2 : 0));
        int[] shape = images ? [2, 3, 2, 2] : [4, 3];
        int perSample = images ? 12 : 3;
        Tensor? mask = masked
            ? Tensor.FromArray(B, Enumerable.Range(0, perSample).Select(i => (float)((i * 7 + 3) % 5 < 2 ? 1 : 0)).ToArray(), perSample)
            : null;
        GradCheck.AssertGradients($"Coupling mask {masked} {(images ? "NCHW" : "(N, C)")}", xs =>
        {
            var (y, logdet) = Ops.Coupling(xs[0], xs[1], xs[2], xs[3], mask);
            return [y, logdet];
        }, [R(rng, InputRange.Smooth, shape), R(rng, InputRange.Smooth, shape), R(rng, InputRange.Smooth, shape), R(rng, InputRange.Smooth, 3)]);
    }

    [Test]
    public void CouplingThroughOneOutputOnly()
    {
        var rng = new Random(170);
        var inputs = new[] { R(rng, InputRange.Smooth, 2, 2, 2, 2), R(rng, InputRange.Smooth, 2, 2, 2, 2), R(rng, InputRange.Smooth, 2, 2, 2, 2), R(rng, InputRange.Smooth, 2) };
        GradCheck.AssertGradients("Coupling, y only", xs => Ops.Coupling(xs[0], xs[1], xs[2], xs[3], null).Y, inputs);
        GradCheck.AssertGradients("Coupling, logdet only", xs => Ops.Coupling(xs[0], xs[1], xs[2], xs[3], null).LogDet, inputs);
    }

    [Test]
    public void ActNorm()
    {
        var rng = new Random(180);
        GradCheck.AssertGradients("ActNorm", xs => Ops.ActNorm(xs[0], xs[1], xs[2]),
            [R(rng, InputRange.Smooth, 2, 3, 2, 2), R(rng, InputRange.Smooth, 3), R(rng, InputRange.Smooth, 3)]);
    }

    [Test]
    public void Conv1x1AndLogAbsDet()
    {
        var rng = new Random(190);
        GradCheck.AssertGradients("Conv1x1", xs => Ops.Conv1x1(xs[0], xs[1]), [R(rng, InputRange.Smooth, 2, 3, 2, 2), R(rng, InputRange.Smooth, 3, 3)]);
        var w = R(rng, InputRange.Smooth, 4, 4).ToArray();
        for (int i = 0; i < 4; i++) w[i * 4 + i] += 2f;
        GradCheck.AssertGradients("LogAbsDet", xs => Ops.LogAbsDet(xs[0]), [Tensor.FromArray(B, w, 4, 4)]);
        var negative = (float[])w.Clone();
        for (int j = 0; j < 4; j++) negative[j] = -negative[j];
        GradCheck.AssertGradients("LogAbsDet (negative determinant)", xs => Ops.LogAbsDet(xs[0]), [Tensor.FromArray(B, negative, 4, 4)]);
    }

    [Test]
    public void WeightNormCompute()
    {
        var rng = new Random(200);
        GradCheck.AssertGradients("WeightNorm conv (g 4-D)", xs => WeightNorm.Compute(xs[0], xs[1]),
            [R(rng, InputRange.Positive, 3, 1, 1, 1), R(rng, InputRange.Smooth, 3, 2, 3, 3)]);
        GradCheck.AssertGradients("WeightNorm linear (g 1-D)", xs => WeightNorm.Compute(xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 4), R(rng, InputRange.Smooth, 4, 3)]);
        GradCheck.AssertGradients("WeightNorm rescale (v 1-D)", xs => WeightNorm.Compute(xs[0], xs[1]),
            [R(rng, InputRange.Smooth, 3), R(rng, InputRange.AwayFromZero, 3)]);
    }

    // ---- composites -----------------------------------------------------------------------------------

    [Test]
    public void SequentialMlpAndWeightNormedConvModule()
    {
        var rng = new Random(210);
        var mlp = new Sequential(new Linear(B, rng, 3, 8), new Tanh(B), new Linear(B, rng, 8, 2), new Sigmoid(B));
        GradCheck.AssertGradients("Linear-Tanh-Linear-Sigmoid", xs => mlp.Forward(xs[0]), [R(rng, InputRange.Smooth, 5, 3)]);
        var conv = new Conv2d(B, rng, 2, 3, 3, weightNorm: true);
        GradCheck.AssertGradients("weight-normed Conv2d (x, g, v)", xs => Ops.Conv2d(xs[0], WeightNorm.Compute(xs[1], xs[2]), conv.Bias, 1),
            [R(rng, InputRange.Smooth, 2, 2, 4, 4), Tensor.FromArray(B, conv.WeightG!.ToArray(), 3, 1, 1, 1), Tensor.FromArray(B, conv.Weight.ToArray(), conv.Weight.Shape)]);
    }
}

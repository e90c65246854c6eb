using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

public class ElementwiseTests : CpuBackendTestBase
{
    private static readonly int[] Counts = [1, 7, 33, 1000, 100_003];

    /// <summary>Inputs inside each op's domain, with both signs where the op allows them.</summary>
    private static float[] Inputs(UnaryOp op, int count, int seed) => op switch
    {
        UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal => Random(count, seed, 0.05f, 5f),
        UnaryOp.Softplus => Random(count, seed, -40f, 40f),
        UnaryOp.Exp or UnaryOp.Sigmoid or UnaryOp.Tanh => Random(count, seed, -6f, 6f),
        _ => Random(count, seed, -3f, 3f),
    };

    [Test]
    public void UnaryMatchesReference([Values] UnaryOp op, [ValueSource(nameof(Counts))] int count)
    {
        float alpha = op == UnaryOp.LeakyRelu ? 0.2f : op is UnaryOp.Scale or UnaryOp.AddScalar ? -1.75f : 0f;
        var x = Inputs(op, count, count + (int)op);
        using var bx = Up(x);
        using var by = Poisoned(count);
        Backend.Unary(op, bx, by, count, alpha);
        var expected = Array.ConvertAll(x, v => ReferenceElementwise.Unary(op, v, alpha));
        AssertElementwise(expected, Down(by), ElementTolerance, $"{op} n={count}");
    }

    [Test]
    public void HighwayGateMatchesReference([ValueSource(nameof(Counts))] int count)
    {
        var a = Random(count, 21);
        var t = Random(count, 22, -8f, 8f);
        var h = Random(count, 23);
        var dy = Random(count, 24);
        using var ba = Up(a);
        using var bt = Up(t);
        using var bh = Up(h);
        using var bdy = Up(dy);
        using var by = Poisoned(count);
        using var bda = Poisoned(count);
        using var bdt = Poisoned(count);
        using var bdh = Poisoned(count);
        Backend.HighwayGate(ba, bt, bh, by, count);
        Backend.HighwayGateBackward(ba, bt, bh, bdy, bda, bdt, bdh, count);
        double[] y = new double[count], da = new double[count], dt = new double[count], dh = new double[count];
        // y and dt are sums/differences that can cancel: their error is bounded by the size of their terms.
        double[] yScale = new double[count], dtScale = new double[count];
        for (int i = 0; i < count; i++)
        {
            double g = 1 / (1 + Math.Exp(-(double)t[i]));
            y[i] = a[i] * g + h[i] * (1 - g);
            da[i] = dy[i] * g;
            dh[i] = dy[i] * (1 - g);
            dt[i] = dy[i] * (a[i] - (double)h[i]) * g * (1 - g);
            yScale[i] = Math.Abs(a[i] * g) + Math.Abs(h[i] * (1 - g));
            dtScale[i] = Math.Abs(dy[i]) * (Math.Abs(a[i]) + Math.Abs(h[i])) * g * (1 - g);
        }
        AssertElementwise(y, Down(by), ElementTolerance, $"highway gate n={count}", yScale);
        AssertElementwise(da, Down(bda), ElementTolerance, $"highway da n={count}");
        AssertElementwise(dt, Down(bdt), ElementTolerance, $"highway dt n={count}", dtScale);
        AssertElementwise(dh, Down(bdh), ElementTolerance, $"highway dh n={count}");
    }

    [Test]
    public void UnaryWorksInPlace([Values(UnaryOp.Tanh, UnaryOp.Exp, UnaryOp.Relu)] UnaryOp op)
    {
        var x = Inputs(op, 1003, 5);
        using var b = Up(x);
        Backend.Unary(op, b, b, x.Length);
        AssertElementwise(Array.ConvertAll(x, v => ReferenceElementwise.Unary(op, v, 0)), Down(b), ElementTolerance, op.ToString());
    }

    [Test]
    public void UnaryTouchesOnlyCount()
    {
        var x = Random(100, 3);
        using var bx = Up(x);
        using var by = Up(new float[100]);
        Backend.Unary(UnaryOp.Exp, bx, by, 37);
        var y = Down(by);
        Assert.That(y[36], Is.EqualTo(MathF.Exp(x[36])).Within(1e-5f));
        Assert.That(y.Skip(37), Is.All.EqualTo(0f));
    }

    [Test]
    public void UnaryBackwardMatchesReference([Values] UnaryOp op, [Values(5, 1000, 70_001)] int count)
    {
        float alpha = op == UnaryOp.LeakyRelu ? 0.2f : op is UnaryOp.Scale or UnaryOp.AddScalar ? -1.75f : 0f;
        var x = Inputs(op, count, 11 + (int)op);
        if (op == UnaryOp.Softplus) x = Random(count, 3, -10f, 10f);
        var y = Array.ConvertAll(x, v => (float)ReferenceElementwise.Unary(op, v, alpha));
        var dy = Random(count, 99);
        using var bx = Up(x);
        using var byy = Up(y);
        using var bdy = Up(dy);
        using var bdx = Poisoned(count);
        Backend.UnaryBackward(op, bx, byy, bdy, bdx, count, alpha);
        var expected = new double[count];
        for (int i = 0; i < count; i++)
        {
            // The contract lets these ops use the given y; f' from that y is exact for the float y handed in.
            double yi = y[i];
            double derivative = op switch
            {
                UnaryOp.Tanh => 1 - yi * yi,
                UnaryOp.Sigmoid => yi * (1 - yi),
                UnaryOp.Exp => yi,
                UnaryOp.Sqrt => 0.5 / yi,
                _ => ReferenceElementwise.Derivative(op, x[i], alpha),
            };
            expected[i] = dy[i] * derivative;
        }
        AssertElementwise(expected, Down(bdx), ElementTolerance, $"d{op} n={count}");
    }

    private static IEnumerable<TestCaseData> BroadcastCases()
    {
        var full = new Ncs(3, 5, 13);
        yield return new TestCaseData(full, full).SetName("Binary same shape");
        yield return new TestCaseData(full, new Ncs(1, 5, 1)).SetName("Binary per channel on the right");
        yield return new TestCaseData(new Ncs(1, 5, 1), full).SetName("Binary per channel on the left");
        yield return new TestCaseData(full, new Ncs(3, 1, 1)).SetName("Binary per sample");
        yield return new TestCaseData(full, Ncs.Scalar).SetName("Binary scalar right");
        yield return new TestCaseData(Ncs.Scalar, full).SetName("Binary scalar left");
        yield return new TestCaseData(full, new Ncs(1, 1, 13)).SetName("Binary per spatial");
        yield return new TestCaseData(full, new Ncs(1, 5, 13)).SetName("Binary per sample broadcast of a (C,S) tensor");
        yield return new TestCaseData(new Ncs(3, 1, 13), new Ncs(1, 5, 1)).SetName("Binary both sides broadcast");
        yield return new TestCaseData(new Ncs(3, 5, 1), new Ncs(1, 1, 13)).SetName("Binary outer product");
        yield return new TestCaseData(new Ncs(64, 16, 197), new Ncs(1, 16, 1)).SetName("Binary large per channel");
        yield return new TestCaseData(new Ncs(64, 16, 197), new Ncs(64, 16, 197)).SetName("Binary large same shape");
    }

    [TestCaseSource(nameof(BroadcastCases))]
    public void BinaryMatchesReference(Ncs aShape, Ncs bShape)
    {
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            var a = Random(aShape.Length, 1);
            var b = op == BinaryOp.Div ? Random(bShape.Length, 2, 0.5f, 2f) : Random(bShape.Length, 2);
            var cShape = Ncs.Broadcast(aShape, bShape, "test");
            using var ba = Up(a);
            using var bb = Up(b);
            using var bc = Poisoned(cShape.Length);
            Backend.Binary(op, ba, aShape, bb, bShape, bc);
            AssertElementwise(ReferenceElementwise.Binary(op, a, aShape, b, bShape), Down(bc), ElementTolerance, $"{op} {aShape}∘{bShape}");
        }
    }

    [Test]
    public void BinaryRejectsIncompatibleShapes()
    {
        using var a = Backend.Allocate(6);
        using var b = Backend.Allocate(6);
        using var c = Backend.Allocate(6);
        var ex = Assert.Throws<ArgumentException>(() => Backend.Binary(BinaryOp.Add, a, new Ncs(1, 2, 3), b, new Ncs(1, 3, 2), c));
        Assert.That(ex!.Message, Does.Contain("N=1, C=2, S=3").And.Contain("N=1, C=3, S=2"));
    }

    [Test]
    public void AxpyAccumulates([Values(1, 9, 100_001)] int count)
    {
        var x = Random(count, 1);
        var y = Random(count, 2);
        using var bx = Up(x);
        using var by = Up(y);
        Backend.Axpy(-0.5f, bx, by, count);
        var expected = new double[count];
        for (int i = 0; i < count; i++) expected[i] = y[i] - 0.5 * x[i];
        AssertElementwise(expected, Down(by), ElementTolerance, "axpy");
    }

    [Test]
    public void FillCopyUploadDownload()
    {
        using var a = Backend.Allocate(10);
        Backend.Fill(a, 2.5f);
        Assert.That(Down(a), Is.All.EqualTo(2.5f));
        using var b = Up(Random(10, 4));
        Backend.Copy(b, a, 6);
        var got = Down(a);
        Assert.That(got.Take(6), Is.EqualTo(Down(b).Take(6)));
        Assert.That(got.Skip(6), Is.All.EqualTo(2.5f));
        var part = new float[3];
        Backend.Download(b, part);
        Assert.That(part, Is.EqualTo(Down(b).Take(3)));
        Assert.Throws<ArgumentException>(() => Backend.Upload(new float[11], a));
    }
}

using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Flows;

/// <summary>Squeeze order, factor-out and flatten order, and every mask, on small known tensors (docs/MODELS.md §4.1–4.4).</summary>
[TestFixture]
public sealed class LayoutTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp] public void SetUp() => _backend = new ManagedCpuBackend();
    [OneTimeTearDown] public void TearDown() => _backend.Dispose();

    private static float[] Range(int n) => Enumerable.Range(0, n).Select(i => (float)i).ToArray();

    [Test]
    public void SqueezePutsTheTwoByTwoBlockPositionInChannel4cPlus2dyPlusDx()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(_backend, Range(32), 1, 2, 4, 4); // x[c, i, j] = 16c + 4i + j
        var (y, logdet) = new Squeeze(_backend).Forward(x);
        Assert.That(y.Shape, Is.EqualTo(new[] { 1, 8, 2, 2 }));
        var ys = y.ToArray();
        for (int c = 0; c < 2; c++)
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                    for (int a = 0; a < 2; a++)
                        for (int b = 0; b < 2; b++)
                            Assert.That(ys[((4 * c + 2 * dy + dx) * 2 + a) * 2 + b], Is.EqualTo(16 * c + 4 * (2 * a + dy) + 2 * b + dx));
        Assert.That(logdet.ToArray(), Is.EqualTo(new[] { 0f }));
    }

    [Test]
    public void MultiScaleKeepsTheFirstHalfAndFlattensFactoredPiecesFirst()
    {
        // squeeze → keep 2 of 4 → squeeze → keep 4 of 8, on a 1×4×4 image holding 0..15.
        var config = ModelConfig.Defaults("realnvp", new ImageShape(1, 4, 4));
        var flow = new MultiScaleFlow(_backend, config, config.Image,
            [BodyStep.Of(new Squeeze(_backend)), BodyStep.FactorOut(2), BodyStep.Of(new Squeeze(_backend)), BodyStep.FactorOut(4)], null);
        using var scope = new TensorScope();
        var x = Tensor.FromArray(_backend, Range(16), 1, 1, 4, 4);
        var z = flow.Forward(x).Value;
        // After the first squeeze the channels are [0,2,8,10], [1,3,9,11], [4,6,12,14], [5,7,13,15]: channels 2, 3 leave first;
        // the kept two squeeze again to the 8 channels 0,2,8,10,1,3,9,11 of which the last four leave next.
        Assert.That(z.ToArray(), Is.EqualTo(new float[] { 4, 6, 12, 14, 5, 7, 13, 15, 1, 3, 9, 11, 0, 2, 8, 10 }));
        Assert.That(flow.UnflattenToImage(z).ToArray(), Is.EqualTo(Range(16)));
        Assert.That(flow.Inverse(z).Value.ToArray(), Is.EqualTo(Range(16)));
        Assert.That(flow.LatentPieceShapes, Is.EqualTo(new[] { new[] { 2, 2, 2 }, new[] { 4, 1, 1 }, new[] { 4, 1, 1 } }));
    }

    [Test]
    public void ToImageLayoutUndoesSqueezesAndFillsFactoredChannels()
    {
        var config = ModelConfig.Defaults("realnvp", new ImageShape(1, 4, 4));
        var flow = new MultiScaleFlow(_backend, config, config.Image,
            [BodyStep.Of(new Squeeze(_backend)), BodyStep.FactorOut(2), BodyStep.Of(new Squeeze(_backend))], null);
        using var scope = new TensorScope();
        // A tensor living after the factor-out (2 channels of 2×2), with the factored channels filled by 1.
        var t = Tensor.FromArray(_backend, [10, 11, 12, 13, 20, 21, 22, 23], 1, 2, 2, 2);
        var image = flow.ToImageLayout(t, position: 2, fill: 1f).ToArray();
        // Channels 0, 1 of the squeezed image are the top row of each 2×2 block; the bottom rows are the fill.
        Assert.That(image, Is.EqualTo(new float[] { 10, 20, 11, 21, 1, 1, 1, 1, 12, 22, 13, 23, 1, 1, 1, 1 }));
    }

    private static float[] Pattern(SpatialMask mask, params int[] shape) => mask.IdentityPattern(shape);

    [Test]
    public void CheckerboardStartsWithZeroTopLeftOnEveryChannel()
    {
        Assert.That(Pattern(new CheckerboardMask(false), 2, 2, 3), Is.EqualTo(new float[] { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 }));
        Assert.That(Pattern(new CheckerboardMask(true), 1, 2, 3), Is.EqualTo(new float[] { 1, 0, 1, 0, 1, 0 }));
        Assert.That(new CheckerboardMask(false).TransformedPattern([1, 2, 2]), Is.EqualTo(new float[] { 1, 0, 0, 1 }));
    }

    [Test]
    public void HorizontalAndVerticalMasksSplitAtHalf()
    {
        Assert.That(Pattern(new HorizontalMask(false), 1, 3, 2), Is.EqualTo(new float[] { 1, 1, 0, 0, 0, 0 }));
        Assert.That(Pattern(new HorizontalMask(true), 1, 4, 1), Is.EqualTo(new float[] { 0, 0, 1, 1 }));
        Assert.That(Pattern(new VerticalMask(false), 1, 2, 4), Is.EqualTo(new float[] { 1, 1, 0, 0, 1, 1, 0, 0 }));
        Assert.That(Pattern(new VerticalMask(true), 1, 1, 3), Is.EqualTo(new float[] { 0, 1, 1 }));
    }

    [Test]
    public void QuadrantMaskConditionsOnOneQuadrantAndTransformsTheNext()
    {
        var mask = new QuadrantMask(0, 1);
        Assert.That(mask.IdentityPattern([1, 4, 4]), Is.EqualTo(new float[] { 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.That(mask.TransformedPattern([1, 4, 4]), Is.EqualTo(new float[] { 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.That(QuadrantMask.Quadrant([1, 2, 2], 2), Is.EqualTo(new float[] { 0, 0, 0, 1 }));
        Assert.That(QuadrantMask.Quadrant([1, 2, 2], 3), Is.EqualTo(new float[] { 0, 0, 1, 0 }));
    }

    [Test]
    public void TabularMaskSplitsFeaturesAtHalf()
    {
        Assert.That(Pattern(new TabularMask(false), 5), Is.EqualTo(new float[] { 1, 1, 0, 0, 0 }));
        Assert.That(Pattern(new TabularMask(true), 5), Is.EqualTo(new float[] { 0, 0, 1, 1, 1 }));
    }

    [Test]
    public void ChannelMaskTransformsTheFirstHalfUnlessReversed()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(_backend, Range(4), 1, 4, 1, 1);
        var (change, identity) = new ChannelMask(false).Split(x);
        Assert.That(change.ToArray(), Is.EqualTo(new float[] { 0, 1 }));
        Assert.That(identity.ToArray(), Is.EqualTo(new float[] { 2, 3 }));
        var (change2, identity2) = new ChannelMask(true).Split(x);
        Assert.That(change2.ToArray(), Is.EqualTo(new float[] { 2, 3 }));
        Assert.That(new ChannelMask(true).Merge(identity2, change2).ToArray(), Is.EqualTo(Range(4)));
    }

    [TestCase(0, 1), TestCase(2, 3), TestCase(3, 0)]
    public void QuadrantCouplingChangesOnlyItsOutputQuadrant(int qIn, int qOut)
    {
        var layer = new AffineCoupling(_backend, new QuadrantMask(qIn, qOut), new ResNetStNet(_backend, new Random(1), 1, 4, 2, 1, false), 1);
        FlowTestKit.Perturb(layer, 0.1f, 2);
        layer.Eval();
        using var scope = new TensorScope();
        var x = FlowTestKit.Normal(_backend, 3, 1f, 1, 1, 4, 4);
        var y = layer.Forward(x).Value.ToArray();
        var xs = x.ToArray();
        var output = QuadrantMask.Quadrant([1, 4, 4], qOut);
        for (int i = 0; i < 16; i++)
            // Untouched elements pass through up to the last bit of the backend's exp(0).
            if (output[i] == 0) Assert.That(y[i], Is.EqualTo(xs[i]).Within(1e-6 * Math.Abs(xs[i])), $"element {i} lies outside quadrant {qOut}");
            else Assert.That(Math.Abs(y[i] - xs[i]), Is.GreaterThan(1e-4), $"element {i} lies in quadrant {qOut}");
    }

    [Test]
    public void CouplingRecorderSeesEveryCouplingAndItsScaleInImageLayout()
    {
        var model = (MultiScaleFlow)FlowModels.Create(FlowTestKit.Small("realnvp", "1x8x8"), _backend, 3);
        model.Eval();
        using var scope = new TensorScope();
        var x = Tensor.Uniform(_backend, 4, 0, 2, 1, 8, 8);
        using var recorder = new CouplingRecorder();
        model.Forward(x);
        Assert.That(recorder.Traces.Select(t => t.Layer), Is.EqualTo(model.Couplings().Select(c => c.Name)));
        Assert.That(recorder.Traces, Has.Count.EqualTo(10));
        foreach (var trace in recorder.Traces)
        {
            var s = model.ToImageLayout(Ops.Exp(trace.LogScale), trace.Position, fill: 1f);
            var output = model.ToImageLayout(trace.Output, trace.Position, trace.Factored);
            Assert.That(s.Shape, Is.EqualTo(new[] { 2, 1, 8, 8 }));
            Assert.That(output.Shape, Is.EqualTo(new[] { 2, 1, 8, 8 }));
        }
        // A first-scale checkerboard layer (F) transforms the pixels with (i + j) even: s is 0 (exp(s) = 1) elsewhere.
        var first = recorder.Traces[0].LogScale.ToArray();
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                if ((i + j) % 2 == 1) Assert.That(first[i * 8 + j], Is.EqualTo(0f));
    }
}

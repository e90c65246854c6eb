using Flows.Core;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Tests.Engine;
using Flows.Tests.Flows;

namespace Flows.Tests.Inspection;

/// <summary>
/// Attribution walks the model's own body: its terms are, bit for bit, those of the per-model loops it replaced
/// (copied here as the reference), and under another base distribution they still add up to the log-likelihood.
/// </summary>
public class BodyWalkAttributionTests
{
    private static global::Flows.Kernels.IComputeBackend Cpu => EngineBackend.Cpu;

    [TestCase("realnvp", "1x8x8")]
    [TestCase("glow", "2x4x4")]
    [TestCase("cyclemask", "1x4x4")]
    [TestCase("tabular", "6x1x1")]
    public void TermsEqualTheOldLoopsBitForBit(string name, string image)
    {
        var model = FlowBodyTests.Seeded(name, image);
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(Cpu, 11, 0, [3, .. model.DataShape]);
        var before = model is TabularFlow t ? OldTabular(t, x) : OldImage((MultiScaleFlow)model, x);
        var after = LikelihoodAttribution.Compute(model, x);
        Assert.That(after.Length, Is.EqualTo(before.Length));
        for (int i = 0; i < before.Length; i++)
            Assert.That(after[i].Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(before[i].Select(BitConverter.DoubleToInt64Bits)), $"sample {i}");
        Assert.That(LikelihoodAttribution.Terms(model).Count, Is.EqualTo(before[0].Length));
    }

    [Test]
    public void TabularTermsAreNamedAsBefore()
    {
        var model = (TabularFlow)FlowBodyTests.Seeded("tabular", "6x1x1");
        var terms = TabularAttribution.Terms(model);
        Assert.That(terms.Select(t => t.Label), Is.EqualTo(new[]
        {
            "coupling 1 (tabular(reverse=False))", "coupling 2 (tabular(reverse=True))",
            "coupling 3 (tabular(reverse=False))", "coupling 4 (tabular(reverse=True))", "prior z (6)",
        }));
        Assert.That(terms[^1].Name, Is.EqualTo("prior.0"));
    }

    [Test]
    public void UnderADiagonalBaseOnePriorTermAndTheSumIsTheLogLikelihood()
    {
        var rng = new Random(4);
        var couplings = Enumerable.Range(0, 2)
            .Select(i => new AffineCoupling(Cpu, new TabularMask(i % 2 == 1), new TabularMlp(Cpu, rng, 3, 8, 1), 3)).ToArray();
        var model = new TabularFlow(Cpu, ModelConfig.Tabular(3, 8, 1, 2), couplings, new DiagonalNormal(Cpu, [0.5f, 1f, 2f]));
        using var scope = new TensorScope();
        using var _ = Autograd.NoGrad();
        var x = Tensor.Uniform(Cpu, 5, 0, 4, 3);
        var terms = LikelihoodAttribution.Compute(model, x);
        var ll = model.LogLikelihood(x).ToArray();
        Assert.That(LikelihoodAttribution.Terms(model).Count(t => t.Kind == "prior"), Is.EqualTo(1));
        for (int i = 0; i < ll.Length; i++) Assert.That(terms[i].Sum(), Is.EqualTo(ll[i]).Within(1e-4 * Math.Abs(ll[i]) + 1e-5), $"sample {i}");
    }

    /// <summary>LikelihoodAttribution.Compute as it was: its own copy of MultiScaleFlow's loop.</summary>
    private static double[][] OldImage(MultiScaleFlow model, Tensor x)
    {
        int n = x.Shape[0];
        var columns = new List<float[]>();
        var factored = new List<Tensor>();
        foreach (var step in model.Steps)
        {
            if (step.IsFactorOut)
            {
                factored.Add(Ops.NarrowChannels(x, step.KeepChannels, x.Shape[1] - step.KeepChannels));
                x = Ops.NarrowChannels(x, 0, step.KeepChannels);
                continue;
            }
            foreach (var layer in step.Layer is FlowSequence s ? s.Layers : [step.Layer!])
            {
                var (y, logdet) = layer.Forward(x);
                if (layer is not Squeeze) columns.Add(logdet.ToArray());
                x = y;
            }
        }
        factored.Add(x);
        foreach (var piece in factored)
        {
            int count = piece.Length / n;
            var sq = Ops.SumPerSample(Ops.Square(piece)).ToArray();
            double constant = -0.5 * count * Math.Log(2 * Math.PI);
            columns.Add(sq.Select(v => (float)(-0.5 * v + constant)).ToArray());
        }
        double discretization = -model.Dimension * FlowLikelihood.Log256;
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new double[columns.Count + 1];
            for (int k = 0; k < columns.Count; k++) result[i][k] = columns[k][i];
            result[i][columns.Count] = discretization;
        }
        return result;
    }

    /// <summary>TabularAttribution.Compute as it was: its own loop over the couplings.</summary>
    private static double[][] OldTabular(TabularFlow model, Tensor x)
    {
        int n = x.Shape[0];
        var columns = new List<float[]>();
        foreach (var coupling in model.Couplings())
        {
            var (y, logdet) = coupling.Forward(x);
            columns.Add(logdet.ToArray());
            x = y;
        }
        var squares = Ops.SumPerSample(Ops.Square(x)).ToArray();
        double constant = -0.5 * model.Dimension * Math.Log(2 * Math.PI);
        var result = new double[n][];
        for (int i = 0; i < n; i++)
        {
            result[i] = new double[columns.Count + 1];
            for (int k = 0; k < columns.Count; k++) result[i][k] = columns[k][i];
            result[i][columns.Count] = -0.5 * squares[i] + constant;
        }
        return result;
    }
}

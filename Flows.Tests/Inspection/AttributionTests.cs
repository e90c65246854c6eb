using Flows.Core;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Tests.Checkpoints;
using Flows.Tests.Engine;

namespace Flows.Tests.Inspection;

/// <summary>The per-layer likelihood attribution adds back up to the model's log-likelihood, image by image.</summary>
public class AttributionTests
{
    [TestCase("realnvp")]
    [TestCase("glow")]
    [TestCase("cyclemask")]
    [TestCase("realnvp-resnetae")]
    public void TermsSumToTheLogLikelihoodOfEveryImage(string name)
    {
        var model = TinyModels.Create(name);
        var x = TinyModels.Images(EngineBackend.Cpu, 5, 8, seed: 12);
        float[] expected;
        double[][] terms;
        using (EvalPass.Begin(model, 77)) expected = model.LogLikelihood(x).ToArray();
        using (EvalPass.Begin(model, 77)) terms = LikelihoodAttribution.Compute(model, x);
        Assert.That(terms.Select(t => t.Length), Is.All.EqualTo(LikelihoodAttribution.Terms(model).Count));
        for (int i = 0; i < expected.Length; i++)
            Assert.That(terms[i].Sum(), Is.EqualTo(expected[i]).Within(1e-3 * Math.Abs(expected[i])), $"image {i}");
    }

    [Test]
    public void GlowHasOneTermPerActNormConvAndCouplingAndOnePerLatentPiece()
    {
        var model = TinyModels.Create("glow");
        var terms = LikelihoodAttribution.Terms(model);
        int steps = model.Couplings().Count();
        Assert.That(terms.Count(t => t.Kind == "coupling"), Is.EqualTo(steps));
        Assert.That(terms.Count(t => t.Kind == "actnorm"), Is.EqualTo(steps));
        Assert.That(terms.Count(t => t.Kind == "invconv"), Is.EqualTo(steps));
        Assert.That(terms.Count(t => t.Kind == "prior"), Is.EqualTo(model.LatentPieceShapes.Count));
        Assert.That(terms[0].Kind, Is.EqualTo("dequantize"));
        Assert.That(terms[^1].Kind, Is.EqualTo("constant"));
    }

    [Test]
    public void ScoredSetsMatchTheScorerAndTheReportWritesItsFiles()
    {
        var model = TinyModels.Create("realnvp");
        var inSet = TinyModels.Dataset("toy", 12, 8, seed: 1);
        var oodSet = TinyModels.Dataset("other", 10, 8, seed: 2);
        var a = LikelihoodAttribution.Score(model, inSet, 0, 5, 42);
        var b = LikelihoodAttribution.Score(model, oodSet, 8, 5, 42);
        var scores = global::Flows.Core.Evaluation.LikelihoodScorer.Score(model, inSet, 5, 42);
        Assert.That(a.Count, Is.EqualTo(12));
        Assert.That(b.Count, Is.EqualTo(8));
        for (int i = 0; i < a.Count; i++)
            Assert.That(a.Total(i), Is.EqualTo(scores[i]).Within(1e-3 * Math.Abs(scores[i])));

        var report = new AttributionReport("realnvp", a, [b]);
        var diff = report.Difference(b);
        Assert.That(diff.Sum(), Is.EqualTo(a.Means().Sum() - b.Means().Sum()).Within(1e-6));
        using var dir = new TempDir();
        var md = report.Write(dir.Path);
        var text = File.ReadAllText(md);
        Assert.That(text, Does.Contain("| **total** |"));
        Assert.That(text, Does.Contain("coupling 1 (checkerboard)"));
        Assert.That(new FileInfo(dir.File(AttributionReport.FigureFile)).Length, Is.GreaterThan(0));
        Assert.That(File.ReadAllText(dir.File(AttributionReport.JsonFile)), Does.Contain("\"difference\""));
    }
}

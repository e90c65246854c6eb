using Flows.Core;

namespace Flows.Tests.Engine;

/// <summary>The learning-rate schedule's values at chosen steps: warmup, constant, the official step decay, cosine.</summary>
[TestFixture]
public sealed class LearningRateScheduleTests
{
    [Test]
    public void ConstantWithoutWarmupIsTheBaseRateAtEveryStep()
    {
        var s = new LearningRateSchedule(5e-5, "constant", 0, 1000, 10);
        foreach (int step in new[] { 0, 1, 499, 999, 5000 })
            Assert.That(s.At(step, step / 100), Is.EqualTo(5e-5), $"step {step}");
    }

    [Test]
    public void LinearWarmupRisesToTheBaseRateOverNSteps()
    {
        var s = new LearningRateSchedule(1e-3, "constant", 4, 100, 1);
        Assert.That(s.At(0, 0), Is.EqualTo(0.25e-3).Within(1e-18));
        Assert.That(s.At(1, 0), Is.EqualTo(0.5e-3).Within(1e-18));
        Assert.That(s.At(3, 0), Is.EqualTo(1e-3).Within(1e-18));
        Assert.That(s.At(4, 0), Is.EqualTo(1e-3));
        Assert.That(s.At(99, 0), Is.EqualTo(1e-3));
    }

    [Test]
    public void StepDecayIsTheOfficialLrAnneal()
    {
        // 82 epochs (--num_epochs 81): t = epoch / 81; x1 for t <= 0.8, x0.5 for t <= 0.9, x0.25 after (docs/MODELS.md §5.1).
        var s = new LearningRateSchedule(1e-4, "step", 0, 82 * 10, 82);
        Assert.That(s.At(0, 0), Is.EqualTo(1e-4));
        Assert.That(s.At(640, 64), Is.EqualTo(1e-4), "64/81 = 0.790");
        Assert.That(s.At(650, 65), Is.EqualTo(0.5e-4), "65/81 = 0.802");
        Assert.That(s.At(720, 72), Is.EqualTo(0.5e-4), "72/81 = 0.889");
        Assert.That(s.At(730, 73), Is.EqualTo(0.25e-4), "73/81 = 0.901");
        Assert.That(s.At(819, 81), Is.EqualTo(0.25e-4));
    }

    [Test]
    public void StepDecayOfAOneEpochRunNeverDecays()
    {
        var s = new LearningRateSchedule(1e-3, "step", 0, 400, 1);
        Assert.That(s.At(399, 0), Is.EqualTo(1e-3));
    }

    [Test]
    public void CosineFallsFromTheBaseRateToZeroAfterWarmup()
    {
        var s = new LearningRateSchedule(1e-3, "cosine", 10, 110, 1);
        Assert.That(s.At(4, 0), Is.EqualTo(0.5e-3).Within(1e-18), "warmup first: (4+1)/10");
        Assert.That(s.At(10, 0), Is.EqualTo(1e-3).Within(1e-15), "the cosine starts at the base rate");
        Assert.That(s.At(60, 0), Is.EqualTo(0.5e-3).Within(1e-15), "half way: cos(π/2) = 0");
        Assert.That(s.At(35, 0), Is.EqualTo(1e-3 * 0.5 * (1 + Math.Cos(Math.PI / 4))).Within(1e-15));
        Assert.That(s.At(109, 0), Is.EqualTo(1e-3 * 0.5 * (1 + Math.Cos(Math.PI * 99 / 100))).Within(1e-15));
        Assert.That(s.At(500, 0), Is.EqualTo(0).Within(1e-18), "past the horizon it stays at 0");
    }

    [Test]
    public void BadSettingsAreRefusedNamingTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => new LearningRateSchedule(1e-3, "linear", 0, 10, 1));
        Assert.That(e!.Message, Does.Contain("constant, step, cosine").And.Contain("'linear'"));
        e = Assert.Throws<ArgumentException>(() => new LearningRateSchedule(1e-3, "constant", -1, 10, 1));
        Assert.That(e!.Message, Does.Contain("--warmup must not be negative"));
    }
}

using System.Diagnostics;
using Flows.Core.Evaluation;
using Flows.Kernels;

namespace Flows.Tests.Evaluation;

public class AurocBootstrapTests
{
    private const ScoreDirection In = ScoreDirection.HigherIsInDistribution;

    /// <summary>n in-distribution N(shift, 1) and n OOD N(0, 1) scores, from fixed seeds.</summary>
    private static (double[] In, double[] Ood) Gaussians(int nIn, int nOod, double shift, ulong seed = 7) =>
        (Enumerable.Range(0, nIn).Select(i => shift + CounterRng.Normal(seed, (ulong)i)).Select(x => (double)x).ToArray(),
         Enumerable.Range(0, nOod).Select(i => (double)CounterRng.Normal(seed + 1, (ulong)i)).ToArray());

    [Test]
    public void TheSameSeedGivesTheSameResamplesOnAnyThreadCount()
    {
        var (a, b) = Gaussians(300, 200, 0.5);
        var one = AurocBootstrap.ResampledAurocs(a, b, In, new BootstrapSettings { Resamples = 200, Seed = 42, MaxDegreeOfParallelism = 1 });
        var two = AurocBootstrap.ResampledAurocs(a, b, In, new BootstrapSettings { Resamples = 200, Seed = 42, MaxDegreeOfParallelism = 2 });
        var all = AurocBootstrap.ResampledAurocs(a, b, In, new BootstrapSettings { Resamples = 200, Seed = 42 });
        Assert.That(two, Is.EqualTo(one));
        Assert.That(all, Is.EqualTo(one));
        var ci1 = AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 200, Seed = 42, MaxDegreeOfParallelism = 1 });
        var ci3 = AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 200, Seed = 42, MaxDegreeOfParallelism = 3 });
        Assert.That(ci3, Is.EqualTo(ci1));
        var other = AurocBootstrap.ResampledAurocs(a, b, In, new BootstrapSettings { Resamples = 200, Seed = 43 });
        Assert.That(other, Is.Not.EqualTo(one));
    }

    [Test]
    public void TheResultDoesNotDependOnInputOrder()
    {
        // Draws index the sorted sets, so a shuffled copy of the same scores resamples identically.
        var (a, b) = Gaussians(150, 120, 0.3);
        var s = new BootstrapSettings { Resamples = 50, Seed = 3 };
        Assert.That(AurocBootstrap.ResampledAurocs(a.Reverse().ToArray(), b.Reverse().ToArray(), In, s),
            Is.EqualTo(AurocBootstrap.ResampledAurocs(a, b, In, s)));
    }

    [Test]
    public void EachResampleIsTheAurocOfTheDocumentedDraws()
    {
        // Re-draw resamples by the documented rule (key = Hash(seed, b); in-draw i = ⌊Hash(key, i)·n_in/2^64⌋ of the
        // set sorted most-in-distribution first, OOD draw j uses counter n_in + j) and score them the slow way.
        double[] a = [3, 3, 2, 5, 1, 2, 0.5, 4, 4, 4], b = [2, 1, 1, 3, 0, 4, 6];
        var aDesc = a.OrderByDescending(x => x).ToArray();
        var bDesc = b.OrderByDescending(x => x).ToArray();
        const ulong seed = 99;
        var fast = AurocBootstrap.ResampledAurocs(a, b, In, new BootstrapSettings { Resamples = 30, Seed = seed });
        for (int r = 0; r < fast.Length; r++)
        {
            ulong key = CounterRng.Hash(seed, (ulong)r);
            var ra = Enumerable.Range(0, a.Length).Select(i => aDesc[(int)Math.BigMul(CounterRng.Hash(key, (ulong)i), (ulong)a.Length, out _)]).ToArray();
            var rb = Enumerable.Range(0, b.Length).Select(j => bDesc[(int)Math.BigMul(CounterRng.Hash(key, (ulong)(a.Length + j)), (ulong)b.Length, out _)]).ToArray();
            Assert.That(fast[r], Is.EqualTo(DetectionMetrics.Auroc(ra, rb, In)).Within(1e-15), $"resample {r}");
        }
    }

    [Test]
    public void TheIntervalIsTheNumpyPercentilesOfTheResamples()
    {
        // 5 resamples at level ½: q = ¼ and ¾, positions (5−1)·q = 1 and 3 of the sorted AUROCs (no interpolation).
        // At level 0.6: q = 0.2 and 0.8, positions 0.8 and 3.2: s0 + 0.8(s1 − s0) and s3 + 0.2(s4 − s3).
        var (a, b) = Gaussians(40, 30, 0.5);
        var sorted = AurocBootstrap.ResampledAurocs(a, b, In, new BootstrapSettings { Resamples = 5, Seed = 5 }).Order().ToArray();
        var half = AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 5, Seed = 5, ConfidenceLevel = 0.5 });
        Assert.That(half.Low, Is.EqualTo(sorted[1]));
        Assert.That(half.High, Is.EqualTo(sorted[3]));
        var sixty = AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 5, Seed = 5, ConfidenceLevel = 0.6 });
        Assert.That(sixty.Low, Is.EqualTo(sorted[0] + 0.8 * (sorted[1] - sorted[0])).Within(1e-12));
        Assert.That(sixty.High, Is.EqualTo(sorted[3] + 0.2 * (sorted[4] - sorted[3])).Within(1e-12));
        Assert.That(sixty.Level, Is.EqualTo(0.6));
    }

    [Test]
    public void TheIntervalContainsThePointEstimateAndNarrowsAsNGrows()
    {
        var settings = new BootstrapSettings { Resamples = 1000, Seed = 11 };
        var (a1, b1) = Gaussians(100, 100, 1.0);
        var (a2, b2) = Gaussians(2500, 2500, 1.0);
        var small = AurocBootstrap.Compute(a1, b1, In, settings);
        var large = AurocBootstrap.Compute(a2, b2, In, settings);
        Assert.That(small.Contains(DetectionMetrics.Auroc(a1, b1, In)), Is.True, $"{small}");
        Assert.That(large.Contains(DetectionMetrics.Auroc(a2, b2, In)), Is.True, $"{large}");
        // The width shrinks like 1/√n: 25× the data should give about ⅕ the width; allow up to ⅖.
        Assert.That(large.Width, Is.LessThan(0.4 * small.Width), $"small {small}, large {large}");
        Assert.That(large.Width, Is.GreaterThan(0));
        // True AUROC of N(1,1) vs N(0,1) is Φ(1/√2) = 0.7602; the large interval is about ±0.013 around it.
        Assert.That(large.Contains(0.7602), Is.True, $"{large}");
    }

    [Test]
    public void PerfectSeparationHasAZeroWidthInterval()
    {
        var ci = AurocBootstrap.Compute([5.0, 6, 7], [1.0, 2], In, new BootstrapSettings { Resamples = 100 });
        Assert.That(ci, Is.EqualTo(new ConfidenceInterval(1, 1, 0.95)));
    }

    [Test]
    public void AHigherIsOodScoreBootstrapsLikeItsNegation()
    {
        var (a, b) = Gaussians(200, 150, 0.4);
        var s = new BootstrapSettings { Resamples = 100, Seed = 8 };
        Assert.That(AurocBootstrap.Compute(a.Select(x => -x).ToArray(), b.Select(x => -x).ToArray(), ScoreDirection.HigherIsOod, s),
            Is.EqualTo(AurocBootstrap.Compute(a, b, In, s)));
    }

    [Test]
    public void TenThousandPlusTenThousandTimesAThousandTakesSeconds()
    {
        // The size. Measured and printed; the bound is loose (shared 2-core machines), but a re-sorting
        // implementation with per-resample allocation on a slow machine would still be caught well before a minute.
        var (a, b) = Gaussians(10_000, 10_000, 0.5);
        AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 20 }); // JIT warm-up
        var clock = Stopwatch.StartNew();
        var ci = AurocBootstrap.Compute(a, b, In, new BootstrapSettings { Resamples = 1000, Seed = 1 });
        clock.Stop();
        TestContext.Out.WriteLine($"bootstrap 10k+10k x 1000 on {Environment.ProcessorCount} cores: {clock.Elapsed.TotalSeconds:F3} s, {ci}");
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(20));
        Assert.That(ci.Contains(DetectionMetrics.Auroc(a, b, In)), Is.True);
    }
}

using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

public class OptimizerAndRandomTests : CpuBackendTestBase
{
    [Test]
    public void AdamFirstStepByHand()
    {
        // Step 1 with zero moments: m = (1−β1)g, v = (1−β2)g², so m̂ = g, v̂ = g² and θ −= lr·g/(|g| + ε).
        var settings = new AdamSettings(0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1);
        using var p = Up([1f, -2f, 0.5f]);
        using var g = Up([0.5f, -4f, 0f]);
        using var m = Up(new float[3]);
        using var v = Up(new float[3]);
        Backend.AdamStep(p, g, m, v, 3, settings);
        // float32 rounds 1 − β2 to 0.99998713e-3, hence the relative tolerances.
        Assert.That(Down(p), Is.EqualTo(new[] { 0.9f, -1.9f, 0.5f }).Within(1e-6f));
        Assert.That(Down(m), Is.EqualTo(new[] { 0.05f, -0.4f, 0f }).Within(1e-7f));
        Assert.That(Down(v)[0], Is.EqualTo(0.00025f).Within(1e-2).Percent);
        Assert.That(Down(v)[1], Is.EqualTo(0.016f).Within(1e-2).Percent);
        Assert.That(Down(v)[2], Is.Zero);
        Assert.That(Down(g), Is.EqualTo(new[] { 0.5f, -4f, 0f }), "the gradient is not modified");
    }

    [Test]
    public void AdamMatchesPublishedFormula([Values(1, 17, 10_001)] int count, [Values(0f, 0.01f)] float weightDecay)
    {
        var p = Random(count, 1);
        var g = Random(count, 2);
        var m = Random(count, 3, -0.1f, 0.1f);
        var v = Random(count, 4, 0f, 0.1f);
        var settings = new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, 7);
        using var bp = Up(p);
        using var bg = Up(g);
        using var bm = Up(m);
        using var bv = Up(v);
        Backend.AdamStep(bp, bg, bm, bv, count, settings);
        var ep = new double[count];
        var em = new double[count];
        var ev = new double[count];
        for (int i = 0; i < count; i++) (ep[i], em[i], ev[i]) = ReferenceOptimizers.Adam(p[i], g[i], m[i], v[i], settings);
        // θ − step and lerp(m, g) cancel in float32, so compare against each tensor's norm.
        AssertClose(ep, Down(bp), ElementTolerance, "param");
        AssertClose(em, Down(bm), ElementTolerance, "m");
        AssertClose(ev, Down(bv), ElementTolerance, "v");
    }

    [Test]
    public void RmsPropByHandAndAgainstFormula([Values(1, 17, 10_001)] int count, [Values(0f, 0.01f)] float weightDecay)
    {
        var settings = new RmsPropSettings(0.01f, 0.99f, 1e-8f, weightDecay);
        if (count == 1 && weightDecay == 0)
        {
            // v = 0.01·g² = 0.04 → √v = 0.2; θ = 1 − 0.01·2/0.2 = 0.9.
            using var p1 = Up([1f]);
            using var g1 = Up([2f]);
            using var v1 = Up([0f]);
            Backend.RmsPropStep(p1, g1, v1, 1, settings);
            Assert.That(Down(p1)[0], Is.EqualTo(0.9f).Within(1e-6f));
            Assert.That(Down(v1)[0], Is.EqualTo(0.04f).Within(1e-2).Percent);
        }
        var p = Random(count, 1);
        var g = Random(count, 2);
        var v = Random(count, 4, 0f, 0.1f);
        using var bp = Up(p);
        using var bg = Up(g);
        using var bv = Up(v);
        Backend.RmsPropStep(bp, bg, bv, count, settings);
        var ep = new double[count];
        var ev = new double[count];
        for (int i = 0; i < count; i++) (ep[i], ev[i]) = ReferenceOptimizers.RmsProp(p[i], g[i], v[i], settings);
        AssertClose(ep, Down(bp), ElementTolerance, "param");
        AssertClose(ev, Down(bv), ElementTolerance, "square average");
    }

    [Test]
    public void RandomMatchesCounterRngExactly([Values(1, 1000, 100_003)] int count)
    {
        const ulong seed = 12345, offset = 777;
        using var u = Poisoned(count);
        using var z = Poisoned(count);
        Backend.FillUniform(u, count, seed, offset);
        Backend.FillNormal(z, count, seed, offset);
        var expectedU = new float[count];
        var expectedZ = new float[count];
        for (int i = 0; i < count; i++)
        {
            expectedU[i] = CounterRng.Uniform(seed, offset + (ulong)i);
            expectedZ[i] = CounterRng.Normal(seed, offset + (ulong)i);
        }
        Assert.That(Down(u), Is.EqualTo(expectedU));
        Assert.That(Down(z), Is.EqualTo(expectedZ));
    }

    [Test]
    public void RandomHasSaneMoments()
    {
        const int count = 200_000;
        using var u = Backend.Allocate(count);
        using var z = Backend.Allocate(count);
        Backend.FillUniform(u, count, 42, 0);
        Backend.FillNormal(z, count, 42, 0);
        var uu = Down(u);
        var zz = Down(z);
        Assert.That(uu, Is.All.GreaterThanOrEqualTo(0f).And.LessThan(1f));
        // Standard errors: uniform mean 0.00065, normal mean 0.0022, normal variance 0.0032.
        Assert.That(uu.Average(v => (double)v), Is.EqualTo(0.5).Within(0.004));
        Assert.That(uu.Average(v => (double)v * v) - 0.25, Is.EqualTo(1.0 / 12).Within(0.002));
        double mean = zz.Average(v => (double)v);
        Assert.That(mean, Is.EqualTo(0).Within(0.012));
        Assert.That(zz.Average(v => (double)v * v) - mean * mean, Is.EqualTo(1).Within(0.02));
        Assert.That(zz, Is.All.Matches<float>(float.IsFinite));
    }

    [Test]
    public void StreamsWithDifferentOffsetsContinueEachOther()
    {
        using var whole = Backend.Allocate(100);
        using var tail = Backend.Allocate(60);
        Backend.FillNormal(whole, 100, 9, 0);
        Backend.FillNormal(tail, 60, 9, 40);
        Assert.That(Down(tail), Is.EqualTo(Down(whole).Skip(40)));
    }
}

using Flows.Kernels;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

public class FlowLayerTests : CpuBackendTestBase
{
    private static readonly Ncs[] Shapes = [new(1, 1, 1), new(3, 2, 13), new(2, 4, 49), new(64, 1, 784), new(64, 4, 196)];

    private static float[] CheckerMask(int c, int s)
    {
        var mask = new float[c * s];
        for (int i = 0; i < mask.Length; i++) mask[i] = (i + i / 7) % 2;
        return mask;
    }

    /// <summary>x in [−2, 3), its batch statistics, γ in [0.5, 1.5), β and an upstream gradient dy.</summary>
    private (float[] X, float[] Mean, float[] InvStd, float[] Gamma, float[] Beta, float[] Dy) BatchNormInputs(Ncs shape)
    {
        var x = Random(shape.Length, 1, -2f, 3f);
        var (mean, invStd) = BatchStats(x, shape, 1e-5f);
        return (x, mean, invStd, Random(shape.C, 2, 0.5f, 1.5f), Random(shape.C, 3), Random(shape.Length, 4));
    }

    private (float[] Mean, float[] InvStd) BatchStats(float[] x, Ncs shape, float eps)
    {
        var (mean, variance) = ReferenceReductions.ChannelMoments(x, shape);
        return (Array.ConvertAll(mean, v => (float)v), Array.ConvertAll(variance, v => (float)(1.0 / Math.Sqrt(v + eps))));
    }

    [TestCaseSource(nameof(Shapes))]
    public void BatchNormApplyMatchesReference(Ncs shape)
    {
        var (x, mean, invStd, gamma, beta, _) = BatchNormInputs(shape);
        using var bx = Up(x);
        using var bm = Up(mean);
        using var bi = Up(invStd);
        using var bg = Up(gamma);
        using var bb = Up(beta);
        using var by = Poisoned(shape.Length);
        Backend.BatchNormApply(bx, bm, bi, bg, bb, by, shape);
        // (x − μ) cancels, so the error is measured against the whole tensor's norm.
        AssertClose(ReferenceFlowLayers.BatchNormApply(x, mean, invStd, gamma, beta, shape), Down(by), ElementTolerance, "bn apply");
    }

    [TestCaseSource(nameof(BatchNormBackwardCases))]
    public void FusedBatchNormReluMatchesReferenceBothWays(Ncs shape, bool batchStatistics)
    {
        var (x, mean, invStd, gamma, beta, dy) = BatchNormInputs(shape);
        using var bx = Up(x);
        using var bm = Up(mean);
        using var bi = Up(invStd);
        using var bg = Up(gamma);
        using var bb = Up(beta);
        using var by = Poisoned(shape.Length);
        Backend.BatchNormApply(bx, bm, bi, bg, bb, by, shape, relu: true);
        var applied = ReferenceFlowLayers.BatchNormApply(x, mean, invStd, gamma, beta, shape);
        var expectedY = Array.ConvertAll(applied, v => Math.Max(v, 0));
        var y = Down(by);
        AssertClose(expectedY, y, ElementTolerance, "fused bn+relu apply");

        // Backward: the reference BatchNorm backward of dy masked where the output is not positive.
        var maskedDy = new float[dy.Length];
        for (int i = 0; i < dy.Length; i++) maskedDy[i] = y[i] > 0 ? dy[i] : 0f;
        using var bdy = Up(dy);
        using var bdx = Poisoned(shape.Length);
        using var bdg = Poisoned(shape.C);
        using var bdb = Poisoned(shape.C);
        Backend.BatchNormBackward(bx, bm, bi, bg, bdy, bdx, bdg, bdb, shape, batchStatistics, reluOutput: by);
        var (dx, dg, db) = ReferenceFlowLayers.BatchNormBackward(x, mean, invStd, gamma, maskedDy, shape, batchStatistics);
        AssertClose(dx, Down(bdx), ReductionTolerance, "fused dx");
        AssertClose(dg, Down(bdg), ReductionTolerance, "fused dgamma");
        AssertClose(db, Down(bdb), ReductionTolerance, "fused dbeta");
    }

    /// <summary>Every shape in both modes, except batch statistics over a single value per channel (no variance).</summary>
    private static IEnumerable<TestCaseData> BatchNormBackwardCases() =>
        from shape in Shapes
        from batchStatistics in new[] { false, true }
        where !(batchStatistics && shape.N * shape.S == 1)
        select new TestCaseData(shape, batchStatistics);

    [TestCaseSource(nameof(BatchNormBackwardCases))]
    public void BatchNormBackwardMatchesReference(Ncs shape, bool batchStatistics)
    {
        var (x, mean, invStd, gamma, _, dy) = BatchNormInputs(shape);
        using var bx = Up(x);
        using var bm = Up(mean);
        using var bi = Up(invStd);
        using var bg = Up(gamma);
        using var bdy = Up(dy);
        using var bdx = Poisoned(shape.Length);
        using var bdg = Poisoned(shape.C);
        using var bdb = Poisoned(shape.C);
        Backend.BatchNormBackward(bx, bm, bi, bg, bdy, bdx, bdg, bdb, shape, batchStatistics);
        var (dx, dg, db) = ReferenceFlowLayers.BatchNormBackward(x, mean, invStd, gamma, dy, shape, batchStatistics);
        AssertClose(dx, Down(bdx), ReductionTolerance, "dx");
        AssertClose(dg, Down(bdg), ReductionTolerance, "dgamma");
        AssertClose(db, Down(bdb), ReductionTolerance, "dbeta");
    }

    [Test]
    public void CouplingForwardAndInverseMatchReference([ValueSource(nameof(Shapes))] Ncs shape, [Values] bool masked)
    {
        var x = Random(shape.Length, 1, -2f, 2f);
        var raw = Random(shape.Length, 2, -3f, 3f);
        var t = Random(shape.Length, 3);
        var scale = Random(shape.C, 4, 0.5f, 1.5f);
        float[]? mask = masked ? CheckerMask(shape.C, shape.S) : null;
        using var bx = Up(x);
        using var braw = Up(raw);
        using var bt = Up(t);
        using var bs = Up(scale);
        using var bmask = mask is null ? null : Up(mask);
        using var by = Poisoned(shape.Length);
        using var bl = Poisoned(shape.N);
        Backend.CouplingForward(bx, braw, bt, bs, bmask, by, bl, shape);
        var (y, logdet) = ReferenceFlowLayers.Coupling(x, raw, t, scale, mask, shape, inverse: false);
        AssertElementwise(y, Down(by), ElementTolerance * 5, "y");
        AssertClose(logdet, Down(bl), ReductionTolerance, "logdet");

        var yFloat = Down(by);
        using var bxBack = Poisoned(shape.Length);
        using var blInv = Poisoned(shape.N);
        Backend.CouplingInverse(by, braw, bt, bs, bmask, bxBack, blInv, shape);
        var (xBack, logdetInv) = ReferenceFlowLayers.Coupling(yFloat, raw, t, scale, mask, shape, inverse: true);
        AssertClose(xBack, Down(bxBack), ElementTolerance, "inverse");
        AssertClose(ToDouble(x), Down(bxBack), 1e-5, "inverse recovers x");
        AssertClose(logdetInv, Down(blInv), ReductionTolerance, "inverse logdet");
    }

    [Test]
    public void CouplingBackwardMatchesReference([ValueSource(nameof(Shapes))] Ncs shape, [Values] bool masked)
    {
        var x = Random(shape.Length, 1, -2f, 2f);
        var raw = Random(shape.Length, 2, -3f, 3f);
        var t = Random(shape.Length, 3);
        var scale = Random(shape.C, 4, 0.5f, 1.5f);
        var dy = Random(shape.Length, 5);
        var dlogdet = Random(shape.N, 6);
        float[]? mask = masked ? CheckerMask(shape.C, shape.S) : null;
        using var bx = Up(x);
        using var braw = Up(raw);
        using var bt = Up(t);
        using var bs = Up(scale);
        using var bmask = mask is null ? null : Up(mask);
        using var bdy = Up(dy);
        using var bdl = Up(dlogdet);
        using var bdx = Poisoned(shape.Length);
        using var bdraw = Poisoned(shape.Length);
        using var bdt = Poisoned(shape.Length);
        using var bds = Poisoned(shape.C);
        Backend.CouplingBackward(bx, braw, bt, bs, bmask, bdy, bdl, bdx, bdraw, bdt, bds, shape);
        var (dx, draw, dt, ds) = ReferenceFlowLayers.CouplingBackward(x, raw, t, scale, mask, dy, dlogdet, shape);
        AssertElementwise(dx, Down(bdx), ElementTolerance * 5, "dx");
        AssertClose(draw, Down(bdraw), ElementTolerance * 5, "draw");
        AssertElementwise(dt, Down(bdt), ElementTolerance * 5, "dt");
        AssertClose(ds, Down(bds), ReductionTolerance, "dscale");
    }

    [Test]
    public void ReferenceCouplingBackwardAgreesWithFiniteDifferences()
    {
        // Guards the reference itself: its chain rule against central differences of its own forward pass.
        var shape = new Ncs(2, 2, 3);
        var x = Random(shape.Length, 1);
        var raw = Random(shape.Length, 2);
        var t = Random(shape.Length, 3);
        var scale = Random(shape.C, 4, 0.5f, 1.5f);
        var mask = CheckerMask(shape.C, shape.S);
        var dy = Random(shape.Length, 5);
        var dl = Random(shape.N, 6);
        double Loss(float[] xx, float[] rr, float[] tt, float[] ss)
        {
            var (y, l) = ReferenceFlowLayers.Coupling(xx, rr, tt, ss, mask, shape, false);
            return y.Select((v, i) => v * dy[i]).Sum() + l.Select((v, i) => v * dl[i]).Sum();
        }
        var (dx, draw, dt, ds) = ReferenceFlowLayers.CouplingBackward(x, raw, t, scale, mask, dy, dl, shape);
        void Check(float[] v, double[] grad, string what)
        {
            for (int i = 0; i < v.Length; i++)
            {
                float keep = v[i];
                const float h = 1e-2f;
                v[i] = keep + h;
                double up = Loss(x, raw, t, scale);
                v[i] = keep - h;
                double down = Loss(x, raw, t, scale);
                v[i] = keep;
                Assert.That((up - down) / (2 * h), Is.EqualTo(grad[i]).Within(2e-3), $"{what}[{i}]");
            }
        }
        Check(x, dx, "dx");
        Check(raw, draw, "draw");
        Check(t, dt, "dt");
        Check(scale, ds, "dscale");
    }

    [TestCaseSource(nameof(Shapes))]
    public void ActNormMatchesReference(Ncs shape)
    {
        var x = Random(shape.Length, 1, -2f, 2f);
        var bias = Random(shape.C, 2);
        var logScale = Random(shape.C, 3);
        var dy = Random(shape.Length, 4);
        using var bx = Up(x);
        using var bb = Up(bias);
        using var bl = Up(logScale);
        using var by = Poisoned(shape.Length);
        Backend.ActNormForward(bx, bb, bl, by, shape);
        AssertElementwise(ReferenceFlowLayers.ActNorm(x, bias, logScale, shape, false), Down(by), ElementTolerance, "actnorm");
        var y = Down(by);
        using var bxBack = Poisoned(shape.Length);
        Backend.ActNormInverse(by, bb, bl, bxBack, shape);
        AssertClose(ReferenceFlowLayers.ActNorm(y, bias, logScale, shape, true), Down(bxBack), ElementTolerance, "actnorm inverse");

        using var bdy = Up(dy);
        using var bdx = Poisoned(shape.Length);
        using var bdb = Poisoned(shape.C);
        using var bdl = Poisoned(shape.C);
        Backend.ActNormBackward(bx, bb, bl, bdy, bdx, bdb, bdl, shape);
        var (dx, db, dl) = ReferenceFlowLayers.ActNormBackward(x, bias, logScale, dy, shape);
        AssertElementwise(dx, Down(bdx), ElementTolerance, "dx");
        AssertClose(db, Down(bdb), ReductionTolerance, "dbias");
        AssertClose(dl, Down(bdl), ReductionTolerance, "dlogScale");
    }
}

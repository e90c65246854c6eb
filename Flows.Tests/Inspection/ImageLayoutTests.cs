using Flows.Core;
using Flows.Core.Flows;
using Flows.Core.Inspection;
using Flows.Tests.Engine;

namespace Flows.Tests.Inspection;

/// <summary>Un-squeezing and re-joining factored channels (docs/MODELS.md §7.2, §7.3) on tensors whose answer is known.</summary>
public class ImageLayoutTests
{
    private static readonly global::Flows.Kernels.IComputeBackend Cpu = EngineBackend.Cpu;

    [Test]
    public void UnsqueezePutsChannel4cPlus2dyPlusDxBackAtItsPixel()
    {
        // After the RealNVP body on 1×8×8: squeeze to 4×4×4, factor out 2, so the last step sees 2×4×4.
        var model = TinyModels.Create("realnvp");
        int last = model.Steps.Count;
        // Channel k of the squeezed 4×4×4 tensor holds k + 1: kept channels 1, 2 and factored channels 3, 4.
        var kept = Tensor.FromArray(Cpu, Enumerable.Range(0, 32).Select(i => 1f + i / 16).ToArray(), 1, 2, 4, 4);
        var factored = Tensor.FromArray(Cpu, Enumerable.Range(0, 32).Select(i => 3f + i / 16).ToArray(), 1, 2, 4, 4);
        var image = model.ToImageLayout(kept, last, [factored]).ToArray();
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                Assert.That(image[i * 8 + j], Is.EqualTo(1f + 2 * (i % 2) + (j % 2)), $"pixel ({i}, {j})");
    }

    [Test]
    public void MissingFactoredChannelsAreFilled()
    {
        var model = TinyModels.Create("realnvp");
        var kept = Tensor.Full(Cpu, 5f, 1, 2, 4, 4);
        var image = model.ToImageLayout(kept, model.Steps.Count, null, fill: 1f).ToArray();
        // Kept channels 0 and 1 are the top row of each 2×2 block (dy = 0); the factored bottom row shows the fill.
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                Assert.That(image[i * 8 + j], Is.EqualTo(i % 2 == 0 ? 5f : 1f), $"pixel ({i}, {j})");
    }

    [Test]
    public void SqueezeThenFactorOutIsUndoneExactly()
    {
        var model = TinyModels.Create("realnvp");
        var x = TinyModels.Images(Cpu, 2, 8, seed: 5);
        var squeezed = Ops.Squeeze2x2(x);
        var kept = Ops.NarrowChannels(squeezed, 0, 2);
        var factored = Ops.NarrowChannels(squeezed, 2, 2);
        var back = model.ToImageLayout(kept, model.Steps.Count, [factored]);
        Assert.That(back.Shape, Is.EqualTo(new[] { 2, 1, 8, 8 }));
        Assert.That(back.ToArray(), Is.EqualTo(x.ToArray()));
    }

    [TestCase("realnvp")]
    [TestCase("glow")]
    public void LastCouplingOutputInImageLayoutIsTheLatentImage(string name)
    {
        // Nothing follows the last coupling, so its re-joined output is z in image layout.
        var model = TinyModels.Create(name);
        var x = TinyModels.Images(Cpu, 2, 8, seed: 7);
        var maps = CouplingMaps.Record(model, x, noiseSeed: 11);
        var z = LatentLayout.Eval(model, x, noiseSeed: 11);
        Assert.That(maps, Has.Count.EqualTo(2));
        Assert.That(maps[0], Has.Count.EqualTo(model.Couplings().Count()));
        for (int i = 0; i < 2; i++)
            Assert.That(maps[i][^1].Output.Data, Is.EqualTo(HostImage.FromBatch(z, i).Data).Within(1e-5f));
    }

    [Test]
    public void CouplingMapsAreInImageLayoutWithOnesAndZerosWhereNothingIsTransformed()
    {
        var model = TinyModels.Create("realnvp");
        var x = TinyModels.Images(Cpu, 1, 8, seed: 8);
        var maps = CouplingMaps.Record(model, x, noiseSeed: 1)[0];
        Assert.That(maps.Select(m => (m.Output.Channels, m.Output.Height, m.Output.Width)), Is.All.EqualTo((1, 8, 8)));
        // The first coupling (checkerboard, reverse = false) conditions on b = (i + j) mod 2 and transforms where (i + j) is even.
        var first = maps[0];
        Assert.That(first.MaskKind, Is.EqualTo("checkerboard"));
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                if ((i + j) % 2 == 1)
                {
                    Assert.That(first.ExpScale.Data[i * 8 + j], Is.EqualTo(1f).Within(1e-6f), $"exp(s) at ({i}, {j})");
                    Assert.That(first.Shift.Data[i * 8 + j], Is.EqualTo(0f), $"t at ({i}, {j})");
                }
        // After the factor-out (couplings 7–10 at 2×4×4), the factored half is padded: exp(s) = 1, t = 0 on the odd rows.
        var late = maps[^1];
        for (int i = 1; i < 8; i += 2)
            for (int j = 0; j < 8; j++)
            {
                Assert.That(late.ExpScale.Data[i * 8 + j], Is.EqualTo(1f).Within(1e-6f), "the backend's exp(0) may differ from 1 in the last bit");
                Assert.That(late.Shift.Data[i * 8 + j], Is.EqualTo(0f));
            }
    }

    [Test]
    public void BatchStatisticsLatentsDifferFromEvalAndLeaveRunningStatisticsAlone()
    {
        var model = TinyModels.Create("realnvp");
        var before = model.StateDict();
        var x = TinyModels.Images(Cpu, 8, 8, seed: 9);
        var eval = LatentLayout.Eval(model, x, 4).ToArray();
        var train = LatentLayout.BatchStatistics(model, x, 4)!.ToArray();
        Assert.That(train, Is.Not.EqualTo(eval));
        var after = model.StateDict();
        foreach (var name in before.Names)
            Assert.That(after[name].Values, Is.EqualTo(before[name].Values), name);
        Assert.That(LatentLayout.BatchStatistics(TinyModels.Create("glow"), x, 4), Is.Null, "Glow has no BatchNorm");
    }

    [Test]
    public void AveragedLatentOfOneDrawIsTheEvalLatent()
    {
        var model = TinyModels.Create("cyclemask");
        var x = TinyModels.Images(Cpu, 1, 8, seed: 2);
        Assert.That(LatentLayout.Averaged(model, x, 6, draws: 1).ToArray(), Is.EqualTo(LatentLayout.Eval(model, x, 6).ToArray()));
        var many = LatentLayout.Averaged(model, x, 6, draws: 5).ToArray();
        Assert.That(many, Is.Not.EqualTo(LatentLayout.Eval(model, x, 6).ToArray()), "more draws average fresh noise");
    }
}

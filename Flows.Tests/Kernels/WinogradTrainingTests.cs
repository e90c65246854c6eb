using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Tests.Kernels.Cpu;

namespace Flows.Tests.Kernels;

/// <summary>
/// A small model trained with and without Winograd from the same seed: the two loss curves agree
/// (docs/WINOGRAD.md, "Safe for training").
/// </summary>
public sealed class WinogradTrainingTests : CpuBackendTestBase
{
    /// <summary>Relative difference allowed between the two loss curves over the first <see cref="Steps"/> steps.</summary>
    private const double CurveTolerance = 1e-5;

    private const int Steps = 6, Batch = 8, Side = 16;

    [TestCase(CpuConvAlgorithm.Winograd2)]
    [TestCase(CpuConvAlgorithm.Winograd4)]
    public void TrainingLossCurveMatchesTheDirectOne(CpuConvAlgorithm tile)
    {
        var direct = LossCurve(CpuConvAlgorithm.Direct);
        var winograd = LossCurve(tile);
        TestContext.Out.WriteLine($"direct:   {string.Join(" ", direct.Select(v => v.ToString("F4")))}");
        TestContext.Out.WriteLine($"{tile}: {string.Join(" ", winograd.Select(v => v.ToString("F4")))}");
        for (int step = 0; step < Steps; step++)
            Assert.That(Math.Abs(winograd[step] - direct[step]), Is.LessThanOrEqualTo(CurveTolerance * Math.Abs(direct[step])), $"step {step}");
        // The curve must move, or agreeing would prove nothing.
        Assert.That(direct[^1], Is.LessThan(direct[0]));
    }

    /// <summary>Losses of a tiny RealNVP (every convolution 3×3 same but the 1×1 output) trained on fixed random images.</summary>
    private double[] LossCurve(CpuConvAlgorithm algorithm)
    {
        using var backend = new ManagedCpuBackend { ConvAlgorithm = algorithm };
        var config = ModelConfig.Defaults("realnvp", ImageShape.Parse($"1x{Side}x{Side}")) with { Mid = 16, Blocks = 1 };
        var model = FlowModels.Create(config, backend, seed: 3);
        var pixels = Random(Batch * Side * Side, 9, 0f, 1f);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = MathF.Floor(pixels[i] * 255f) / 255f;
        model.Noise!.Deterministic = true;
        using var x = Tensor.FromArray(backend, pixels, Batch, 1, Side, Side);
        using var optimizer = new Adam(model.Parameters(), learningRate: 1e-3f);
        model.Train();
        var losses = new double[Steps];
        for (int step = 0; step < Steps; step++)
        {
            using var scope = new TensorScope();
            optimizer.ZeroGrad();
            var loss = FlowLikelihood.Loss(model.LogLikelihood(x));
            loss.Backward();
            optimizer.Step();
            losses[step] = loss.ToArray()[0];
        }
        return losses;
    }
}

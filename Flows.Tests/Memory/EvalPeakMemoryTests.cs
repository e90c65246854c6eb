using Flows.Core;
using Flows.Core.Data;
using Flows.Core.Flows;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Memory;

/// <summary>
/// Eval at batch 1024 on the ILGPU backend (issue 13; docs/PERFORMANCE.md, "Memory"): a no-grad pass returns each
/// intermediate to the pool once its last reader has run, so its peak of live device memory is at most twice the
/// largest activation set of one layer, plus what was live before it (the weights and the input batch). Counted on the
/// CPU simulator in count-only mode: no kernel runs, but the pool rents and returns every buffer as on a GPU, so the
/// live bytes are the real ones. The paper layouts (ModelConfig.Defaults on 1x28x28: RealNVP's scales, couplings and
/// residual blocks, Glow's levels, K steps and highway layers) at full width (mid 64, Glow 200). Count-only mode never
/// touches the buffers, so the gigabytes rented are address space, not resident memory (about 110 MB resident, seconds).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class EvalPeakMemoryTests
{
    private const int Batch = 1024;

    [TestCase("realnvp", 64)]
    [TestCase("glow", 200)]
    public void AnEvalBatchOf1024PeaksBelowTwoLayerActivationSetsPlusTheWeights(string name, int mid)
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        device.Counter.CountOnly = true;
        var config = ModelConfig.Defaults(name, new ImageShape(1, 28, 28)) with { Mid = mid };
        var model = FlowModels.Create(config, device, seed: 1);
        // Glow's ActNorm initialises from the first training-mode batch: a small one.
        using (Autograd.NoGrad())
        using (new TensorScope())
            model.Forward(Tensor.Zeros(device, 2, 1, 28, 28));
        model.Eval();
        using var x = Tensor.Zeros(device, Batch, 1, 28, 28);

        var sets = LayerActivationSets(device, model, x);
        long largest = sets.Max(s => s.Bytes);

        device.ResetPeakLiveBytes();
        long before = device.PoolStatistics.LiveBytes;
        using (Autograd.NoGrad())
        using (new TensorScope())
            model.LogLikelihood(x);
        long peak = device.PoolStatistics.PeakLiveBytes;

        long sum = sets.Sum(s => s.Bytes);
        var widest = sets.MaxBy(s => s.Bytes);
        TestContext.Out.WriteLine($"{name} mid {mid}, batch {Batch}: {sets.Count} layers; peak live {Mib(peak)} MiB = {Mib(before)} MiB before " +
                                  $"(weights, input) + {Mib(peak - before)} MiB; largest layer set {Mib(largest)} MiB ({widest.Layer}), " +
                                  $"bound {Mib(before + 2 * largest)} MiB; all layers' sets together {Mib(sum)} MiB");
        Assert.That(peak, Is.LessThanOrEqualTo(before + 2 * largest), "peak live ≤ weights and input + 2 × the largest layer's activation set");
        Assert.That(sum, Is.GreaterThan(4 * largest), "keeping every layer's activations to the end of the batch would break the bound");
    }

    /// <summary>
    /// The activation set of each leaf layer at this batch: the device bytes it holds at its peak while it runs alone
    /// under no-grad on an input of its shape (its outputs and every temporary it makes, above what was live before it,
    /// the input included). The walk applies the layers in the model's order, so each gets the shape it sees in the pass.
    /// </summary>
    private static List<(string Layer, long Bytes)> LayerActivationSets(IlgpuBackend device, FlowModel model, Tensor x)
    {
        var sets = new List<(string, long)>();
        using var noGrad = Autograd.NoGrad();
        using var scope = new TensorScope();
        FlowStep step = null!;
        step = (layer, input) =>
        {
            if (layer is ICompositeFlow composite) return composite.Forward(input, step);
            device.ResetPeakLiveBytes();
            long before = device.PoolStatistics.LiveBytes;
            // The layer's temporaries go back when its own scope ends; its outputs stay for the next layer.
            FlowOutput output;
            using (var inner = new TensorScope())
            {
                output = layer.Forward(input);
                inner.KeepOutput(output.Value);
                inner.KeepOutput(output.LogDet);
            }
            sets.Add((layer.Describe(), device.PoolStatistics.PeakLiveBytes - before));
            return output;
        };
        step(model.Body, x);
        return sets;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}

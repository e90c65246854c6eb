using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// The latent z of images in image layout (docs/MODELS.md §7.3, E4, E12): one dequantization draw in eval mode,
/// the mean of z over many draws (averaged in flat z space, then re-arranged), and z with every BatchNorm
/// using the statistics of the batch (train mode). The re-arrangement is the model's "reshape model"
/// (<see cref="MultiScaleFlow.UnflattenToImage"/>): only factor-outs and squeezes are undone.
/// </summary>
public static class LatentLayout
{
    /// <summary>The paper's number of dequantization draws for the averaged latent.</summary>
    public const int PaperDraws = 40;

    /// <summary>z of x [N, C, H, W] in image layout, eval mode, one draw from <paramref name="noiseSeed"/>.</summary>
    public static Tensor Eval(MultiScaleFlow model, Tensor x, ulong noiseSeed)
    {
        using var pass = EvalPass.Begin(model, noiseSeed);
        return model.UnflattenToImage(model.Forward(x).Value);
    }

    /// <summary>The mean of z over <paramref name="draws"/> dequantization draws (flat z averaged, then re-arranged).</summary>
    public static Tensor Averaged(MultiScaleFlow model, Tensor x, ulong noiseSeed, int draws = PaperDraws)
    {
        if (draws < 1) throw new ArgumentOutOfRangeException(nameof(draws), $"need at least one draw, got {draws}");
        using var pass = EvalPass.Begin(model, noiseSeed);
        Tensor? sum = null;
        for (int d = 0; d < draws; d++)
        {
            // Successive forwards advance the noise offset, so every draw is fresh.
            var z = model.Forward(x).Value;
            sum = sum is null ? z : Ops.Add(sum, z);
        }
        return model.UnflattenToImage(Ops.Scale(sum!, 1f / draws));
    }

    /// <summary>
    /// z with BatchNorm in train mode (statistics of this batch, as the notebook's net.train() does); the running
    /// statistics are left as they were. Null when the model has no BatchNorm (Glow): there is nothing to compare.
    /// </summary>
    public static Tensor? BatchStatistics(MultiScaleFlow model, Tensor x, ulong noiseSeed)
    {
        using var pass = EvalPass.Begin(model, noiseSeed);
        using var mode = BatchNormMode.BatchStatistics(model);
        if (mode.Count == 0) return null;
        return model.UnflattenToImage(model.Forward(x).Value);
    }
}

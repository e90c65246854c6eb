using System.Globalization;
using System.Text.Json;

namespace Flows.Core.Training;

/// <summary>Where a run stands: the next batch to train, the steps done, and the noise stream's position.</summary>
public sealed record TrainingState
{
    /// <summary>The epoch in progress (0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>The next batch of that epoch.</summary>
    public int BatchInEpoch { get; init; }

    /// <summary>Optimizer steps done in all.</summary>
    public int GlobalStep { get; init; }

    /// <summary>The dequantization noise counter, so resumed runs draw the same noise.</summary>
    public ulong NoiseOffset { get; init; }

    /// <summary>Images drawn so far by --perturb, the counter of its pixel stream, so resumed runs replace the same pixels.</summary>
    public ulong PerturbOffset { get; init; }

    /// <summary>The sum of the epoch in progress's per-batch training losses, so a resumed epoch averages all its batches.</summary>
    public double EpochLossSum { get; init; }

    /// <summary>How many batches <see cref="EpochLossSum"/> adds up.</summary>
    public int EpochBatches { get; init; }

    /// <summary>Wall seconds the run has trained so far (all processes), so metrics.json's seconds continue after a resume.</summary>
    public double Seconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
        ["batch_in_epoch"] = BatchInEpoch.ToString(CultureInfo.InvariantCulture),
        ["global_step"] = GlobalStep.ToString(CultureInfo.InvariantCulture),
        ["noise_offset"] = NoiseOffset.ToString(CultureInfo.InvariantCulture),
        ["perturb_offset"] = PerturbOffset.ToString(CultureInfo.InvariantCulture),
        ["epoch_loss_sum"] = EpochLossSum.ToString("R", CultureInfo.InvariantCulture),
        ["epoch_batches"] = EpochBatches.ToString(CultureInfo.InvariantCulture),
        ["seconds"] = Seconds.ToString("R", CultureInfo.InvariantCulture),
    });

    public static TrainingState FromJson(string json)
    {
        var d = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? throw new ArgumentException("training state: empty JSON");
        string Get(string k) => d.TryGetValue(k, out var v) ? v : throw new ArgumentException($"training state: missing '{k}'");
        return new TrainingState
        {
            Epoch = int.Parse(Get("epoch"), CultureInfo.InvariantCulture),
            BatchInEpoch = int.Parse(Get("batch_in_epoch"), CultureInfo.InvariantCulture),
            GlobalStep = int.Parse(Get("global_step"), CultureInfo.InvariantCulture),
            NoiseOffset = ulong.Parse(Get("noise_offset"), CultureInfo.InvariantCulture),
            // States written before --perturb existed have no such key (and no perturbation).
            PerturbOffset = d.TryGetValue("perturb_offset", out var p) ? ulong.Parse(p, CultureInfo.InvariantCulture) : 0,
            // States written before these keys start the epoch's average and the clock afresh.
            EpochLossSum = d.TryGetValue("epoch_loss_sum", out var sum) ? double.Parse(sum, CultureInfo.InvariantCulture) : 0,
            EpochBatches = d.TryGetValue("epoch_batches", out var batches) ? int.Parse(batches, CultureInfo.InvariantCulture) : 0,
            Seconds = d.TryGetValue("seconds", out var seconds) ? double.Parse(seconds, CultureInfo.InvariantCulture) : 0,
        };
    }
}

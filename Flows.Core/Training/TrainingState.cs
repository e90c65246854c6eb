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

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
        ["batch_in_epoch"] = BatchInEpoch.ToString(CultureInfo.InvariantCulture),
        ["global_step"] = GlobalStep.ToString(CultureInfo.InvariantCulture),
        ["noise_offset"] = NoiseOffset.ToString(CultureInfo.InvariantCulture),
        ["perturb_offset"] = PerturbOffset.ToString(CultureInfo.InvariantCulture),
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
        };
    }
}

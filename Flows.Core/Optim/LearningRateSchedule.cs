namespace Flows.Core;

/// <summary>
/// The learning rate of every optimizer step, a pure function of the step and the epoch, so a resumed run
/// recomputes exactly the rates of an uninterrupted one. An optional linear warmup gives step s (0-based)
/// base·(s+1)/W for s &lt; W; after it, the schedule's factor:
/// <list type="bullet">
/// <item>constant: 1 (the official scripts' default, docs/MODELS.md §5.1);</item>
/// <item>step: the official `--lr_anneal` (docs/MODELS.md §5.1): with t = epoch / (E − 1) over the E epochs of the
/// run (the script's epoch / num_epochs), ×1 for t ≤ 0.8, ×0.5 for t ≤ 0.9, ×0.25 after;</item>
/// <item>cosine: 0.5·(1 + cos(π·p)), p = (s − W) / (S − W) the fraction of the post-warmup steps done.</item>
/// </list>
/// </summary>
public sealed record LearningRateSchedule
{
    /// <summary>The schedule names, in the order messages list them.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["constant", "step", "cosine"];

    /// <param name="baseRate">The rate after warmup, before the schedule's factor.</param>
    /// <param name="kind">One of <see cref="Kinds"/>.</param>
    /// <param name="warmupSteps">Steps of linear warmup (0: none).</param>
    /// <param name="totalSteps">Optimizer steps of the whole run (the cosine's horizon).</param>
    /// <param name="totalEpochs">Epochs the run visits (the step decay's horizon).</param>
    public LearningRateSchedule(double baseRate, string kind, int warmupSteps, int totalSteps, int totalEpochs)
    {
        if (!Kinds.Contains(kind)) throw new ArgumentException($"--schedule must be one of {string.Join(", ", Kinds)}, got '{kind}'");
        if (warmupSteps < 0) throw new ArgumentException($"--warmup must not be negative, got {warmupSteps}");
        if (!(baseRate > 0) || !double.IsFinite(baseRate)) throw new ArgumentException($"the learning rate must be positive, got {baseRate}");
        BaseRate = baseRate;
        Kind = kind;
        WarmupSteps = warmupSteps;
        TotalSteps = Math.Max(1, totalSteps);
        TotalEpochs = Math.Max(1, totalEpochs);
    }

    public double BaseRate { get; }
    public string Kind { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }
    public int TotalEpochs { get; }

    /// <summary>The rate of the step with 0-based index <paramref name="step"/>, taken in epoch <paramref name="epoch"/> (0-based).</summary>
    public double At(int step, int epoch)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        return Kind switch
        {
            "step" => BaseRate * StepDecayFactor(epoch),
            "cosine" => BaseRate * 0.5 * (1 + Math.Cos(Math.PI * CosineProgress(step))),
            _ => BaseRate,
        };
    }

    private double StepDecayFactor(int epoch)
    {
        double t = TotalEpochs > 1 ? (double)epoch / (TotalEpochs - 1) : 0;
        return t <= 0.8 ? 1 : t <= 0.9 ? 0.5 : 0.25;
    }

    private double CosineProgress(int step)
    {
        int span = Math.Max(1, TotalSteps - WarmupSteps);
        return Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
    }
}

using System.Globalization;

namespace Flows.Core.Evaluation;

/// <summary>Settings of the percentile bootstrap of AUROC (<see cref="AurocBootstrap"/>).</summary>
public sealed record BootstrapSettings
{
    /// <summary>The defaults: 1000 resamples, seed 0, a 95% interval, all cores.</summary>
    public static BootstrapSettings Default { get; } = new();

    /// <summary>Number of resamples B (at least 2).</summary>
    public int Resamples { get; init; } = 1000;

    /// <summary>Fixes every resample: the same seed gives the same interval in any process, on any thread count.</summary>
    public ulong Seed { get; init; }

    /// <summary>Coverage of the interval, in (0, 1).</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Threads to use; −1 = as many as the machine has. It changes the speed, never the result.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    internal void Validate(string paramName)
    {
        if (Resamples < 2)
            throw new ArgumentException($"Bootstrap resamples {Resamples} is too few; use at least 2 (1000 is usual).", paramName);
        if (!(ConfidenceLevel > 0 && ConfidenceLevel < 1))
            throw new ArgumentException(
                $"Bootstrap confidence level {ConfidenceLevel.ToString("R", CultureInfo.InvariantCulture)} is outside (0, 1); use a fraction such as 0.95.",
                paramName);
        if (MaxDegreeOfParallelism is 0 or < -1)
            throw new ArgumentException(
                $"Bootstrap MaxDegreeOfParallelism {MaxDegreeOfParallelism} is invalid; use -1 (all cores) or a positive thread count.", paramName);
    }
}

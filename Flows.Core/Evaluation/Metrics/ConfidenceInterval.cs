namespace Flows.Core.Evaluation;

/// <summary>A two-sided confidence interval [<see cref="Low"/>, <see cref="High"/>] at coverage <see cref="Level"/>.</summary>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
/// <param name="Level">Nominal coverage, e.g. 0.95.</param>
public readonly record struct ConfidenceInterval(double Low, double High, double Level)
{
    /// <summary>Whether <paramref name="value"/> lies in the closed interval.</summary>
    public bool Contains(double value) => value >= Low && value <= High;

    /// <summary>High − Low.</summary>
    public double Width => High - Low;
}

namespace Flows.Core.Api;

/// <summary>Every score of one image and the overall decision.</summary>
public sealed class OodResult
{
    /// <summary>A result of the given scores; <paramref name="primaryScore"/> must be one of them.</summary>
    public OodResult(string source, IReadOnlyList<ScoreResult> scores, string primaryScore)
    {
        Source = source ?? throw new ArgumentNullException(nameof(source));
        Scores = scores ?? throw new ArgumentNullException(nameof(scores));
        Primary = scores.FirstOrDefault(s => s.Name == primaryScore)
            ?? throw new ArgumentException($"the primary score '{primaryScore}' is not among the scores", nameof(primaryScore));
    }

    /// <summary>What was scored: the file path, or "#i" for the i-th image of a batch given without names.</summary>
    public string Source { get; }

    /// <summary>Every score, in the detector's order.</summary>
    public IReadOnlyList<ScoreResult> Scores { get; }

    /// <summary>The score the overall decision is taken from (<see cref="OodDetectorOptions.PrimaryScore"/>).</summary>
    public ScoreResult Primary { get; }

    /// <summary>
    /// The overall decision: the primary score's calibrated decision (true = OOD), or null before calibration. The
    /// other scores' decisions are in <see cref="Scores"/>; combining them is the application's choice.
    /// </summary>
    public bool? IsOod => Primary.IsOod;

    /// <summary>The score called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The detector does not compute that score.</exception>
    public ScoreResult this[string name] =>
        Scores.FirstOrDefault(s => s.Name == name)
        ?? throw new KeyNotFoundException($"no score '{name}'; this result has {string.Join(", ", Scores.Select(s => s.Name))}");
}

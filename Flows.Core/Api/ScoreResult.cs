using Flows.Core.Evaluation;

namespace Flows.Core.Api;

/// <summary>One score of one image: its value and, once the detector is calibrated, its p-value and decision.</summary>
/// <param name="Name">The score's name ("ll", "typicality", "complexity", "lr", "features").</param>
/// <param name="Value">The score, in <paramref name="Unit"/>.</param>
/// <param name="Direction">Which way the score points.</param>
/// <param name="Unit">The score's unit ("nats", "bits/dim").</param>
/// <param name="PValue">
/// The fraction of calibration (in-distribution validation) scores at least as OOD as this one, with +1 smoothing:
/// (1 + #{v : v at least as OOD as the value}) / (n + 1). It lies in [1/(n+1), 1]; small means unusual for the
/// in-distribution data. Null before calibration.
/// </param>
/// <param name="IsOod">True when the calibrated threshold rejects the value (<see cref="CalibratedThreshold.Accepts"/> is false); null before calibration.</param>
/// <param name="Threshold">The calibrated threshold, or null before calibration.</param>
public sealed record ScoreResult(string Name, double Value, ScoreDirection Direction, string Unit,
                                 double? PValue, bool? IsOod, CalibratedThreshold? Threshold);

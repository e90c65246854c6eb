using Flows.Core.Evaluation;

namespace Flows.Training.Experiments;

/// <summary>One in-distribution → OOD pair of E10: the pixel flow's AUROC (NaN when its run did not run) beside the feature flow's.</summary>
public sealed record FeaturePair(string InDistribution, string Ood, double PixelAuroc, double FeatureAuroc);

/// <summary>How the pixel flow of an E10 run was obtained: its run id, size, steps and OOD report (null when it did not run).</summary>
public sealed record PixelFlowInfo(string RunId, long Parameters, int Steps, string Description, OodReport? Report, string? ReportPath);

/// <summary>What one E10 run produced: the feature flow's outcome (report, summary), the pixel flow it is set beside, and the pairs.</summary>
public sealed record FeatureResult(FeatureRun Run, FeatureFlowOutcome Features, PixelFlowInfo Pixel, IReadOnlyList<FeaturePair> Pairs, string Directory);

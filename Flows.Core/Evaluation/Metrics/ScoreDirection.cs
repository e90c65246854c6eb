namespace Flows.Core.Evaluation;

/// <summary>
/// Which way a per-sample OOD score points. Every metric takes one, with no default, so a score where
/// higher means "more OOD" (typicality distance, input-complexity-corrected NLL, likelihood-ratio NLL) can
/// never be silently scored as if it were a log-likelihood and come out inverted (AUROC 1 − a).
/// </summary>
public enum ScoreDirection
{
    /// <summary>Higher means more in-distribution: log-likelihood, negative bits/dim.</summary>
    HigherIsInDistribution = 0,

    /// <summary>Higher means more OOD: bits/dim, NLL, typicality distance |NLL − mean train NLL|, S = NLL − L(x).</summary>
    HigherIsOod = 1,
}

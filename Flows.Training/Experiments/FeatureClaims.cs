using System.Globalization;

namespace Flows.Training.Experiments;

/// <summary>
/// The paper's §8 message (docs/MODELS.md §2 E10: "AUROC becomes high for all pairs" with flows on image embeddings), checked
/// pair by pair from our numbers in the style of <see cref="Claims"/>: the feature flow beats the pixel flow, and its
/// AUROC reaches <see cref="HighAuroc"/>. Pairs whose pixel flow did not run count as not measured for the first check.
/// </summary>
internal static class FeatureClaims
{
    /// <summary>What "high" means here; the paper's own E10 numbers are not transcribed (docs/MODELS.md §8).</summary>
    public const double HighAuroc = 0.8;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<Claims.Claim> Evaluate(IReadOnlyList<FeatureResult> results)
    {
        var pairs = results.SelectMany(r => r.Pairs).ToList();
        if (pairs.Count == 0) return [];
        var compared = pairs.Where(p => double.IsFinite(p.PixelAuroc) && double.IsFinite(p.FeatureAuroc)).ToList();
        var better = compared.Where(p => p.FeatureAuroc > p.PixelAuroc).ToList();
        var scored = pairs.Where(p => double.IsFinite(p.FeatureAuroc)).ToList();
        var high = scored.Where(p => p.FeatureAuroc >= HighAuroc).ToList();
        string unmeasured = compared.Count < pairs.Count
            ? $"{(compared.Count > 0 ? " " : "")}Not measured (no pixel flow in this invocation): {string.Join(", ", pairs.Except(compared).Select(Name))}."
            : "";
        return
        [
            new Claims.Claim(
                "Flows on semantic features separate the sets better than flows on pixels: feature AUROC > pixel AUROC, pair by pair (§8, E10)",
                Verdict(compared.Count, better.Count),
                (compared.Count > 0 ? string.Join("; ", compared.Select(p => $"{Name(p)}: {F(p.FeatureAuroc)} vs {F(p.PixelAuroc)}{(p.FeatureAuroc > p.PixelAuroc ? "" : " (no)")}")) + "." : "")
                + unmeasured),
            new Claims.Claim(
                string.Create(Inv, $"The feature flow's AUROC is high for every pair: ≥ {HighAuroc:F1} (§8, E10: \"AUROC becomes high for all pairs\")"),
                Verdict(scored.Count, high.Count),
                string.Join("; ", scored.Select(p => $"{Name(p)} {F(p.FeatureAuroc)}{(p.FeatureAuroc >= HighAuroc ? "" : " (below)")}")) + "."),
        ];
    }

    private static string Name(FeaturePair p) => $"{p.InDistribution} → {p.Ood}";

    private static string Verdict(int total, int ok) =>
        total == 0 ? "not measured" : ok == total ? "agrees" : ok == 0 ? "does not agree" : $"partly agrees ({ok} of {total})";

    private static string F(double v) => ReproductionReport.F(v);
}

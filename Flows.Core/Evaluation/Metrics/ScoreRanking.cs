namespace Flows.Core.Evaluation;

/// <summary>
/// An in-distribution set and an OOD set sorted once and merged into runs of equal oriented score
/// ("groups"), most in-distribution first. Each group g holds <see cref="InCounts"/>[g] in-distribution and
/// <see cref="OodCounts"/>[g] OOD samples. Every ranking metric is a single pass over the groups, and ties are
/// handled by construction: a group is one threshold, so tied samples are always accepted or rejected together.
/// </summary>
internal sealed class ScoreRanking
{
    /// <summary>Oriented in-distribution scores, descending.</summary>
    public double[] In { get; }

    /// <summary>Oriented OOD scores, descending.</summary>
    public double[] Ood { get; }

    /// <summary>The distinct oriented scores, descending.</summary>
    public double[] GroupScores { get; }

    public int[] InCounts { get; }
    public int[] OodCounts { get; }

    /// <summary>Group index of each entry of <see cref="In"/> (the bootstrap counts resampled groups with it).</summary>
    public int[] InGroupOf { get; }

    /// <summary>Group index of each entry of <see cref="Ood"/>.</summary>
    public int[] OodGroupOf { get; }

    public int GroupCount => GroupScores.Length;

    private ScoreRanking(double[] inDesc, double[] oodDesc)
    {
        In = inDesc;
        Ood = oodDesc;
        InGroupOf = new int[inDesc.Length];
        OodGroupOf = new int[oodDesc.Length];
        var scores = new List<double>();
        var inCounts = new List<int>();
        var oodCounts = new List<int>();
        int i = 0, j = 0;
        while (i < inDesc.Length || j < oodDesc.Length)
        {
            // The next group's score is the larger of the two heads; == groups −0 with +0 and ∞ with ∞.
            double s = j >= oodDesc.Length ? inDesc[i]
                     : i >= inDesc.Length ? oodDesc[j]
                     : Math.Max(inDesc[i], oodDesc[j]);
            int g = scores.Count, a = 0, b = 0;
            while (i < inDesc.Length && inDesc[i] == s) { InGroupOf[i++] = g; a++; }
            while (j < oodDesc.Length && oodDesc[j] == s) { OodGroupOf[j++] = g; b++; }
            scores.Add(s);
            inCounts.Add(a);
            oodCounts.Add(b);
        }
        GroupScores = scores.ToArray();
        InCounts = inCounts.ToArray();
        OodCounts = oodCounts.ToArray();
    }

    public static ScoreRanking Build(
        IReadOnlyList<double> inDistScores, IReadOnlyList<double> oodScores, ScoreDirection direction,
        string inParamName, string oodParamName, string inDescription = "in-distribution scores")
    {
        var inDesc = OrientedScores.OrientDescending(inDistScores, direction, inParamName, inDescription);
        var oodDesc = OrientedScores.OrientDescending(oodScores, direction, oodParamName, "OOD scores");
        return new ScoreRanking(inDesc, oodDesc);
    }

    /// <summary>
    /// Twice the Mann–Whitney U of in-distribution over OOD for the given per-group counts:
    /// 2U = Σ_g ood_g · (2·in_{above g} + in_g), i.e. each (in, ood) pair scores 2 when the in-distribution sample
    /// is higher and 1 when they tie (mid-rank ties). Integer arithmetic, so it is exact.
    /// </summary>
    public static long TwiceU(ReadOnlySpan<int> inCounts, ReadOnlySpan<int> oodCounts)
    {
        long twiceU = 0, inAbove = 0;
        for (int g = 0; g < inCounts.Length; g++)
        {
            int a = inCounts[g];
            twiceU += oodCounts[g] * (2 * inAbove + a);
            inAbove += a;
        }
        return twiceU;
    }

    /// <summary>AUROC = U / (n_in·n_ood); one rounding, from the exact integer 2U.</summary>
    public double Auroc() => TwiceU(InCounts, OodCounts) / (2.0 * In.Length * Ood.Length);

    /// <summary>
    /// sklearn's <c>average_precision_score</c>: AP = Σ_k (R_k − R_{k−1})·P_k over distinct thresholds, taken in
    /// the order given (most positive first), with R_0 = 0. Only groups holding positives move the recall.
    /// </summary>
    public static double AveragePrecision(int[] positives, int[] negatives, bool reverse)
    {
        long totalPositives = 0;
        foreach (int p in positives) totalPositives += p;
        double ap = 0;
        long tp = 0, fp = 0;
        for (int k = 0; k < positives.Length; k++)
        {
            int g = reverse ? positives.Length - 1 - k : k;
            tp += positives[g];
            fp += negatives[g];
            if (positives[g] > 0)
                ap += (double)positives[g] / totalPositives * ((double)tp / (tp + fp));
        }
        return ap;
    }

    /// <summary>AUPR-In: in-distribution positive, thresholds from the most in-distribution score down.</summary>
    public double AuprIn() => AveragePrecision(InCounts, OodCounts, reverse: false);

    /// <summary>AUPR-Out: OOD positive, thresholds from the most OOD score up (the score negated).</summary>
    public double AuprOut() => AveragePrecision(OodCounts, InCounts, reverse: true);
}

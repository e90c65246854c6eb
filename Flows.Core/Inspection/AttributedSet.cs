namespace Flows.Core.Inspection;

/// <summary>The likelihood terms of every scored image of one data set: Values[image][term], in nats.</summary>
public sealed record AttributedSet(string Name, IReadOnlyList<AttributionTerm> Terms, double[][] Values)
{
    public int Count => Values.Length;

    /// <summary>The total log-likelihood of image i (the sum of its terms).</summary>
    public double Total(int image) => Values[image].Sum();

    /// <summary>The mean of each term over the images.</summary>
    public double[] Means()
    {
        var means = new double[Terms.Count];
        if (Values.Length == 0) return means;
        foreach (var row in Values)
            for (int k = 0; k < means.Length; k++) means[k] += row[k];
        for (int k = 0; k < means.Length; k++) means[k] /= Values.Length;
        return means;
    }
}

namespace Flows.Core.Evaluation;

/// <summary>
/// Bits per dimension, the usual unit for image likelihoods: bpd = −ll / (D·ln 2) for a log-likelihood
/// ll in nats of an image with D = C·H·W values (on the 0–255 pixel scale, as in the paper, §4.3).
/// </summary>
public static class BitsPerDim
{
    public static double FromLogLikelihood(double llNats, int dims)
    {
        if (dims <= 0) throw new ArgumentOutOfRangeException(nameof(dims), dims, "The number of dimensions must be positive.");
        return -llNats / (dims * Math.Log(2.0));
    }

    /// <summary>The inverse: log-likelihood in nats from bits per dimension.</summary>
    public static double ToLogLikelihood(double bpd, int dims)
    {
        if (dims <= 0) throw new ArgumentOutOfRangeException(nameof(dims), dims, "The number of dimensions must be positive.");
        return -bpd * dims * Math.Log(2.0);
    }

    /// <summary>Mean bpd over a set = bpd of the mean log-likelihood (the map is linear).</summary>
    public static double Mean(IReadOnlyList<double> llNats, int dims)
    {
        ArgumentNullException.ThrowIfNull(llNats);
        if (llNats.Count == 0) throw new ArgumentException("Mean bits/dim needs at least one log-likelihood.", nameof(llNats));
        double sum = 0;
        for (int i = 0; i < llNats.Count; i++) sum += llNats[i];
        return FromLogLikelihood(sum / llNats.Count, dims);
    }
}

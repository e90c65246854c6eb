using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>
/// <c>complexity</c> (Serrà et al. 2020, "Input complexity and out-of-distribution detection with likelihood-based
/// generative models"): S(x) = −ll(x) / (D ln 2) − L(x) / D in bits per dimension, D = C·H·W and L(x) the length in
/// bits of x losslessly compressed (<see cref="IImageCompressor"/>, PNG by default). The compressed length is a
/// universal-model stand-in for the input's complexity; subtracting it removes the bias of likelihoods towards simple
/// inputs. Higher is OOD. Images only. L(x) includes the compressor's container overhead (docs/METRICS.md).
/// </summary>
public sealed class ComplexityScore(IImageCompressor compressor) : IOodScore
{
    /// <summary>The compressor that gives L(x).</summary>
    public IImageCompressor Compressor { get; } = compressor ?? throw new ArgumentNullException(nameof(compressor));

    /// <inheritdoc/>
    public string Name => "complexity";

    /// <inheritdoc/>
    public ScoreDirection Direction => ScoreDirection.HigherIsOod;

    /// <inheritdoc/>
    public string Unit => "bits/dim";

    /// <inheritdoc/>
    public ScoreNeeds Needs => ScoreNeeds.None;

    /// <inheritdoc/>
    public double[] Score(ScoringContext context, FlowData data)
    {
        var images = data.Images ?? throw new InvalidOperationException($"the 'complexity' score compresses images; {data.Name} holds vectors");
        var ll = context.LogLikelihoods(data);
        var bits = CompressedBitsPerDim(images, ll.Length);
        var s = new double[ll.Length];
        for (int i = 0; i < s.Length; i++) s[i] = Combine(ll[i], bits[i], images.ImageSize);
        return s;
    }

    /// <summary>L(x) / D for the first <paramref name="count"/> images.</summary>
    public double[] CompressedBitsPerDim(ImageDataset images, int count)
    {
        ArgumentNullException.ThrowIfNull(images);
        var bits = new double[count];
        Parallel.For(0, count, i =>
            bits[i] = (double)Compressor.CompressedBits(images.Image(i), images.Channels, images.Height, images.Width) / images.ImageSize);
        return bits;
    }

    /// <summary>S = −ll / (D ln 2) − L / D given ll in nats and L / D in bits/dim; <paramref name="dimension"/> is D (1 when ll is already per dimension).</summary>
    public static double Combine(double logLikelihood, double compressedBitsPerDim, int dimension) =>
        -logLikelihood / (dimension * Math.Log(2)) - compressedBitsPerDim;
}

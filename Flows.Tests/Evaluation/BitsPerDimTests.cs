using Flows.Core.Evaluation;

namespace Flows.Tests.Evaluation;

public class BitsPerDimTests
{
    [Test]
    public void ConvertsNatsPerImageToBitsPerDimension()
    {
        // 8000 nats on a 3×32×32 image is the "loss 7k–8k" of chrischute/real-nvp #11: about 3.76 bpd.
        Assert.That(BitsPerDim.FromLogLikelihood(-8000, 3072), Is.EqualTo(8000 / (3072 * Math.Log(2))).Within(1e-12));
        Assert.That(BitsPerDim.FromLogLikelihood(-8000, 3072), Is.EqualTo(3.757).Within(1e-3));
        Assert.That(BitsPerDim.FromLogLikelihood(-784 * 2 * Math.Log(2), 784), Is.EqualTo(2.0).Within(1e-12));
    }

    [Test]
    public void HigherLikelihoodIsFewerBits() =>
        Assert.That(BitsPerDim.FromLogLikelihood(-500, 784), Is.LessThan(BitsPerDim.FromLogLikelihood(-1000, 784)));

    [Test]
    public void InverseRoundTrips() =>
        Assert.That(BitsPerDim.ToLogLikelihood(BitsPerDim.FromLogLikelihood(-1234.5, 784), 784), Is.EqualTo(-1234.5).Within(1e-9));

    [Test]
    public void MeanOverASet()
    {
        double d = 784 * Math.Log(2);
        Assert.That(BitsPerDim.Mean(new[] { -1 * d, -2 * d, -6 * d }, 784), Is.EqualTo(3.0).Within(1e-12));
        Assert.That(() => BitsPerDim.Mean(Array.Empty<double>(), 784), Throws.ArgumentException);
        Assert.That(() => BitsPerDim.FromLogLikelihood(-1, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}

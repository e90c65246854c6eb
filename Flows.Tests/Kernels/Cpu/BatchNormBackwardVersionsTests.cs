using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// BatchNorm backward version 2 (rows in memory order, BatchNormKernels) gives the same floats as version 1 (channels
/// at a time, BatchNormBackwardV1): the per-row sums are added per channel in the same order. The case table checks
/// both against the reference and the ILGPU kernels; this pins the two CPU versions to each other bit for bit.
/// </summary>
public sealed class BatchNormBackwardVersionsTests
{
    private static IEnumerable<TestCaseData> Shapes()
    {
        foreach (var shape in new[] { new Ncs(4, 3, 37), new Ncs(32, 8, 196), new Ncs(1, 70, 9), new Ncs(16, 32, 784) })
            foreach (bool relu in new[] { false, true })
                foreach (bool batchStatistics in new[] { false, true })
                    yield return new TestCaseData(shape.N, shape.C, shape.S, relu, batchStatistics);
    }

    [TestCaseSource(nameof(Shapes))]
    public void VersionTwoEqualsVersionOneBitForBit(int n, int c, int s, bool relu, bool batchStatistics)
    {
        var shape = new Ncs(n, c, s);
        var random = new Random(n * 1000 + c * 10 + s);
        float[] Values(int length, float low, float high) =>
            [.. Enumerable.Range(0, length).Select(_ => low + (high - low) * random.NextSingle())];
        float[] x = Values(shape.Length, -2f, 3f), dy = Values(shape.Length, -1f, 1f), output = Values(shape.Length, -0.5f, 1f);
        float[] mean = Values(c, -0.5f, 0.5f), invStd = Values(c, 0.5f, 2f), gamma = Values(c, 0.5f, 1.5f);
        var (dx1, dgamma1, dbeta1) = (new float[shape.Length], new float[c], new float[c]);
        var (dx2, dgamma2, dbeta2) = (new float[shape.Length], new float[c], new float[c]);
        BatchNormBackwardV1.Backward(x, mean, invStd, gamma, dy, dx1, dgamma1, dbeta1, shape, batchStatistics, relu ? output : null);
        BatchNormKernels.Backward(x, mean, invStd, gamma, dy, dx2, dgamma2, dbeta2, shape, batchStatistics, relu ? output : null);
        Assert.Multiple(() =>
        {
            Assert.That(dx2, Is.EqualTo(dx1), "dx");
            Assert.That(dgamma2, Is.EqualTo(dgamma1), "dgamma");
            Assert.That(dbeta2, Is.EqualTo(dbeta1), "dbeta");
            Assert.That(dx2.Any(v => v != 0f), Is.True, "dx was written");
        });
    }
}

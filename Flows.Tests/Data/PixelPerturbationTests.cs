using Flows.Core.Data;
using Flows.Kernels.Cpu;
using Flows.Tests.Training;

namespace Flows.Tests.Data;

/// <summary>--perturb MU: Ren et al.'s pixel replacement, seeded by a counter so every process draws the same pixels.</summary>
public sealed class PixelPerturbationTests
{
    [TestCase(0.1)]
    [TestCase(0.3)]
    public void ReplacesTheExpectedFractionWithUniformValues(double mu)
    {
        const int n = 200_000;
        var source = new byte[n]; // all zeros: a replacement changes a pixel unless it draws 0 (1 in 256)
        var destination = new byte[n];
        int replaced = PixelPerturbation.Apply(source, destination, mu, seed: 42, drawIndex: 0);
        double sd = Math.Sqrt(mu * (1 - mu) / n);
        Assert.That(replaced / (double)n, Is.EqualTo(mu).Within(6 * sd));
        int changed = destination.Count(v => v != 0);
        Assert.That(changed / (double)n, Is.EqualTo(mu * 255 / 256).Within(6 * sd));
        // The new values are uniform on 0..255: mean 127.5, sd 73.9 per value.
        double mean = destination.Where(v => v != 0).Average(v => (double)v);
        Assert.That(mean, Is.EqualTo(128).Within(6 * 73.9 / Math.Sqrt(changed)));
    }

    [Test]
    public void IsDeterministicPerDrawAndFreshAcrossDraws()
    {
        var image = new byte[784];
        for (int i = 0; i < image.Length; i++) image[i] = (byte)(i % 200);
        byte[] Draw(ulong seed, ulong index)
        {
            var d = new byte[image.Length];
            PixelPerturbation.Apply(image, d, 0.2, seed, index);
            return d;
        }
        Assert.That(Draw(7, 3), Is.EqualTo(Draw(7, 3)));
        Assert.That(Draw(7, 3), Is.Not.EqualTo(Draw(7, 4)));
        Assert.That(Draw(7, 3), Is.Not.EqualTo(Draw(8, 3)));
        // A fixed seed gives a fixed count (process-independent: CounterRng, not System.Random or HashCode).
        Assert.That(PixelPerturbation.Apply(image, new byte[image.Length], 0.2, 7, 3), Is.EqualTo(PixelPerturbation.Apply(image, new byte[image.Length], 0.2, 7, 3)));
    }

    [Test]
    public void MuZeroKeepsEveryPixelAndMuOneReplacesEveryPixel()
    {
        var image = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var kept = new byte[image.Length];
        Assert.That(PixelPerturbation.Apply(image, kept, 0, 1, 0), Is.Zero);
        Assert.That(kept, Is.EqualTo(image));
        Assert.That(PixelPerturbation.Apply(image, new byte[image.Length], 1, 1, 0), Is.EqualTo(image.Length));
        Assert.Throws<ArgumentOutOfRangeException>(() => PixelPerturbation.Apply(image, kept, 1.5, 1, 0));
    }

    [Test]
    public void PerturbedDataDrawsAFreshPerturbationEachTimeAndReplaysFromAnOffset()
    {
        using var backend = new ManagedCpuBackend();
        var data = new PerturbedImageData(SyntheticImages.Blobs("blobs", 4, 8, seed: 1), 0.5, seed: 9);
        var first = data.Batch(backend, [0, 1]).ToArray();
        var second = data.Batch(backend, [0, 1]).ToArray();
        Assert.That(data.Offset, Is.EqualTo(4UL));
        Assert.That(second, Is.Not.EqualTo(first), "each draw of an image is perturbed afresh");
        data.Offset = 2;
        Assert.That(data.Batch(backend, [0, 1]).ToArray(), Is.EqualTo(second), "the offset replays the stream");
        Assert.Throws<ArgumentException>(() => new PerturbedImageData(SyntheticVectors.Gaussian("v", 4, 3, 0, 1), 0.1, 1));
    }
}

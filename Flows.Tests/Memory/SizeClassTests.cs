using Flows.Kernels;

namespace Flows.Tests.Memory;

/// <summary>The pools' size classes: powers of two and quarter steps, at most a quarter wasted.</summary>
[TestFixture]
public sealed class SizeClassTests
{
    [TestCase(0, 0)]
    [TestCase(1, 1)]
    [TestCase(8, 8)]
    [TestCase(9, 10)]
    [TestCase(17, 20)]
    [TestCase(1000, 1024)]
    [TestCase(1024, 1024)]
    [TestCase(1025, 1280)]
    [TestCase(1234, 1280)]
    [TestCase(1281, 1536)]
    [TestCase(1 << 20, 1 << 20)]
    [TestCase((1 << 20) + 1, 1310720)]
    public void RoundsUpToTheNextQuarterStep(int length, int capacity) =>
        Assert.That(BufferSizeClasses.Capacity(length), Is.EqualTo(capacity));

    [Test]
    public void EveryClassHoldsItsLengthWastesAtMostAQuarterAndIsItsOwnClass()
    {
        for (int length = 0; length < 1 << 16; length++)
        {
            int c = BufferSizeClasses.Capacity(length);
            Assert.That(c, Is.GreaterThanOrEqualTo(length));
            Assert.That(c - length, Is.LessThanOrEqualTo(length / 4), $"length {length} → {c}");
            Assert.That(BufferSizeClasses.Capacity(c), Is.EqualTo(c), $"class {c} is not a fixed point");
        }
    }

    [Test]
    public void HugeLengthsNeverOverflow()
    {
        Assert.That(BufferSizeClasses.Capacity(int.MaxValue), Is.EqualTo(int.MaxValue));
        Assert.That(BufferSizeClasses.Capacity(Array.MaxLength - 5), Is.EqualTo(Array.MaxLength - 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BufferSizeClasses.Capacity(-1));
    }
}

using Flows.Kernels;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>FillUniformCounted: FillUniform at the offset a device counter holds, which the draw advances (docs/PERFORMANCE.md, "Streams and CUDA graphs").</summary>
public class CountedUniformTests : CpuBackendTestBase
{
    [TestCase(0UL)]
    [TestCase((1UL << 32) - 3)]
    [TestCase(0x3F80_0000_4000_0000UL)]
    public void DrawsAtTheCounterAndAdvancesIt(ulong start)
    {
        var encoded = new float[DeviceCounter.Length];
        DeviceCounter.Encode(start, encoded);
        Assert.That(DeviceCounter.Decode(encoded), Is.EqualTo(start));
        using var counter = Up(encoded);
        using var counted = Backend.Allocate(10);
        using var plain = Backend.Allocate(10);
        for (int draw = 0; draw < 2; draw++)
        {
            Backend.FillUniformCounted(counted, 10, 9, counter);
            Backend.FillUniform(plain, 10, 9, start + 10 * (ulong)draw);
            Assert.That(Down(counted), Is.EqualTo(Down(plain)), $"draw {draw}");
        }
        Assert.That(DeviceCounter.Decode(Down(counter)), Is.EqualTo(start + 20), "two draws of 10, across the 32-bit boundary too");
    }

    [Test]
    public void ACounterOfTheWrongLengthIsRefused()
    {
        using var shortCounter = Backend.Allocate(1);
        using var u = Backend.Allocate(4);
        Assert.That(() => Backend.FillUniformCounted(u, 4, 1, shortCounter), Throws.ArgumentException.With.Message.Contains("counter"));
    }
}

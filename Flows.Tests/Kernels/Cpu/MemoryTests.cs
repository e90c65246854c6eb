using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels.Cpu;

public class MemoryTests : CpuBackendTestBase
{
    [Test]
    public void BackendIdentifiesItself()
    {
        Assert.That(Backend.Name, Is.EqualTo("cpu"));
        Assert.That(Backend.DeviceDescription, Is.Not.Empty);
    }

    [Test]
    public void DisposedBuffersAreReusedWithinTheirSizeClass()
    {
        using var backend = new ManagedCpuBackend();
        var first = backend.Allocate(1234);
        var array = ((CpuBuffer)first).Array;
        first.Dispose();
        Assert.That(first.IsReleased, Is.True);
        Assert.That(backend.PooledBufferCount, Is.EqualTo(1));
        using var other = backend.Allocate(1300);
        Assert.That(((CpuBuffer)other).Array, Is.Not.SameAs(array), "a length of another size class gets a different buffer");
        var again = backend.Allocate(1234);
        Assert.That(((CpuBuffer)again).Array, Is.SameAs(array));
        Assert.That(again.IsReleased, Is.False);
        Assert.That(again.Length, Is.EqualTo(1234));
        again.Dispose();
        again.Dispose();
        Assert.That(backend.PooledBufferCount, Is.EqualTo(1), "a double dispose returns the buffer once");
    }

    [Test]
    public void CpuBufferExposesItsArray()
    {
        using var buffer = (CpuBuffer)Backend.Allocate(5);
        Backend.Fill(buffer, 3f);
        Assert.That(buffer.Array, Has.Length.EqualTo(5).And.All.EqualTo(3f));
    }

    [Test]
    public void ForeignOrReleasedBuffersAreRejected()
    {
        using var other = new ManagedCpuBackend();
        using var foreign = other.Allocate(4);
        using var mine = Backend.Allocate(4);
        Assert.Throws<ArgumentException>(() => Backend.Copy(foreign, mine, 4));
        var released = Backend.Allocate(4);
        released.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Backend.Fill(released, 1f));
    }
}

using Flows.Kernels;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>
/// What the ILGPU backend asks of its device, counted on the CPU simulator (the counts do not depend on the
/// accelerator): every launch, every wait for the device and every upload is counted exactly once.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LaunchCountTests
{
    private IlgpuBackend _device = null!;

    [OneTimeSetUp] public void SetUp() => _device = IlgpuBackend.CreateCpuSimulator();
    [OneTimeTearDown] public void TearDown() => _device.Dispose();

    [Test]
    public void EachLaunchWaitAndUploadIsCountedOnce()
    {
        using var buffer = _device.Allocate(1000);
        var host = new float[1000];
        var start = _device.Counter.Snapshot();
        _device.Fill(buffer, 2f);
        Assert.That(_device.Counter.Snapshot() - start, Is.EqualTo(new LaunchCounts(1, 0, 0)));
        _device.Upload(host, buffer);
        _device.Download(buffer, host);
        Assert.That(_device.Counter.Snapshot() - start, Is.EqualTo(new LaunchCounts(1, 1, 1)));
        _device.Unary(UnaryOp.Exp, buffer, buffer, 1000);
        _device.Synchronize();
        Assert.That(_device.Counter.Snapshot() - start, Is.EqualTo(new LaunchCounts(2, 2, 1)));
        double sum = _device.SumOfSquares(buffer, 1000);
        var afterSum = _device.Counter.Snapshot() - start;
        Assert.That(afterSum.HostSyncs, Is.EqualTo(3), "SumOfSquares waits for its result");
        Assert.That(afterSum.Launches, Is.GreaterThan(2));
        Assert.That(sum, Is.EqualTo(1000).Within(1e-3), "exp(0) = 1 for each of the uploaded zeros");
    }
}

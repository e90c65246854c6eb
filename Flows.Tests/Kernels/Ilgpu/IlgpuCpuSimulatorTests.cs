using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>The ILGPU kernels on ILGPU's CPU accelerator: runs everywhere, so CI checks every kernel without a GPU.</summary>
[TestFixture]
public sealed class IlgpuCpuSimulatorTests : IlgpuKernelTests
{
    protected override IlgpuBackend CreateDevice() => IlgpuBackend.CreateCpuSimulator();

    [Test]
    public void NameAndDescription()
    {
        Assert.That(Device.Name, Is.EqualTo("ilgpu-cpu"));
        Assert.That(Device.DeviceDescription, Does.Contain("CPU accelerator"));
    }
}

using Flows.Kernels.Devices;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>The same kernel tests on a real CUDA device; ignored, with the reason, where there is none.</summary>
[TestFixture]
public sealed class IlgpuCudaTests : IlgpuKernelTests
{
    protected override IlgpuBackend CreateDevice()
    {
        var backend = ComputeDevices.TryCreateCuda(out string reason);
        if (backend is null) Assert.Ignore($"no CUDA device: {reason}");
        return backend!;
    }

    [Test]
    public void NameIsCuda() => Assert.That(Device.Name, Is.EqualTo("cuda"));
}

using Flows.Kernels.Ilgpu;
using ILGPU.Runtime.Cuda;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>The ILGPU kernels on ILGPU's CPU accelerator: runs everywhere, so CI checks every kernel without a GPU.</summary>
[TestFixture]
public sealed class IlgpuCpuSimulatorTests : IlgpuKernelTests
{
    protected override IlgpuBackend CreateDevice() => IlgpuBackend.CreateCpuSimulator();

    [Test]
    public void EveryKernelCompilesToPtxForHopper()
    {
        // The CPU accelerator runs kernels as .NET code; this proves the CUDA backend accepts them too.
        var results = PtxCompileCheck.CompileAll(Device, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80);
        Assert.That(results, Has.Count.GreaterThan(30));
        var failures = results.Where(r => r.Error is not null).Select(r => $"{r.Kernel}: {r.Error}").ToList();
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void NameAndDescription()
    {
        Assert.That(Device.Name, Is.EqualTo("ilgpu-cpu"));
        Assert.That(Device.DeviceDescription, Does.Contain("CPU accelerator"));
    }
}

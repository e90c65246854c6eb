using Flows.Kernels.Devices;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>The --device factory: names, the CPU fallback, and the message when CUDA is missing.</summary>
[TestFixture]
public sealed class ComputeDevicesTests
{
    [Test]
    public void UnknownNameListsTheValidOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => ComputeDevices.Create("tpu"))!;
        Assert.That(error.Message, Does.Contain("tpu").And.Contain("auto, cpu, cuda, ilgpu-cpu"));
    }

    [Test]
    public void CpuIsTheManagedBackend()
    {
        using var backend = ComputeDevices.Create("cpu");
        Assert.That(backend.Name, Is.EqualTo("cpu"));
    }

    [Test]
    public void NamesAreCaseInsensitive()
    {
        using var backend = ComputeDevices.Create(" CPU ");
        Assert.That(backend.Name, Is.EqualTo("cpu"));
    }

    [Test]
    public void AutoTakesCudaWhereUsableAndTheCpuOtherwise()
    {
        bool hasCuda = ComputeDevices.TryCreateCuda(out _) is { } cuda && Dispose(cuda);
        using var backend = ComputeDevices.Create("auto");
        Assert.That(backend.Name, Is.EqualTo(hasCuda ? "cuda" : "cpu"));
    }

    [Test]
    public void CudaWithoutADeviceSaysWhyAndWhatToDo()
    {
        if (ComputeDevices.TryCreateCuda(out _) is { } cuda)
        {
            cuda.Dispose();
            Assert.Ignore("no CUDA-less check here: this machine has a CUDA device");
        }
        var error = Assert.Throws<DeviceUnavailableException>(() => ComputeDevices.Create("cuda"))!;
        Assert.That(error.Message, Does.Contain("no CUDA device").And.Contain("--device cpu").And.Contain("NVIDIA driver"));
        Assert.That(error.Message, Does.Not.Contain("\n"), "one line, no stack trace");
    }

    [Test]
    public void IlgpuCpuIsAlwaysAvailable()
    {
        using var backend = ComputeDevices.Create("ilgpu-cpu");
        Assert.That(backend.Name, Is.EqualTo("ilgpu-cpu"));
    }

    [Test]
    public void DescribeListsEveryKind()
    {
        var lines = ComputeDevices.Describe();
        Assert.That(lines.Any(l => l.StartsWith("cpu: ")), Is.True);
        Assert.That(lines.Any(l => l.StartsWith("cuda")), Is.True);
        Assert.That(lines.Any(l => l.StartsWith("ilgpu-cpu: ")), Is.True);
    }

    private static bool Dispose(IDisposable disposable)
    {
        disposable.Dispose();
        return true;
    }
}

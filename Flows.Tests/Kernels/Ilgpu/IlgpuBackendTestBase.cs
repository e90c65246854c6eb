using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>
/// Runs every IlgpuBackend op against ManagedCpuBackend on the same random inputs. Outputs are poisoned with
/// NaN on both sides before each call, so an element the kernel forgot to write fails. The device is created
/// once per fixture (kernel compilation takes seconds); derived fixtures choose the accelerator.
/// </summary>
public abstract class IlgpuBackendTestBase
{
    protected const double ElementTolerance = 1e-5;
    protected const double ReductionTolerance = 1e-4;

    protected IlgpuBackend Device { get; private set; } = null!;
    protected ManagedCpuBackend Reference { get; private set; } = null!;

    /// <summary>The backend under test, or Assert.Ignore when its hardware is missing.</summary>
    protected abstract IlgpuBackend CreateDevice();

    [OneTimeSetUp]
    public void CreateBackends()
    {
        Device = CreateDevice();
        Reference = new ManagedCpuBackend();
    }

    [OneTimeTearDown]
    public void DisposeBackends()
    {
        Device?.Dispose();
        Reference?.Dispose();
    }

    [SetUp]
    public void ResetVersions() => Device.GemmVersion = 2;

    protected static float[] Random(int length, int seed, float low = -1f, float high = 1f)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = low + (high - low) * (float)rng.NextDouble();
        return data;
    }

    protected DevicePair Up(float[] data)
    {
        var device = Device.Allocate(data.Length);
        var reference = Reference.Allocate(data.Length);
        Device.Upload(data, device);
        Reference.Upload(data, reference);
        return new DevicePair(device, reference, data.Length);
    }

    protected DevicePair Up(int length, int seed, float low = -1f, float high = 1f) => Up(Random(length, seed, low, high));

    protected DevicePair Poisoned(int length)
    {
        var pair = new DevicePair(Device.Allocate(length), Reference.Allocate(length), length);
        Device.Fill(pair.Device, float.NaN);
        Reference.Fill(pair.Reference, float.NaN);
        return pair;
    }

    protected void Check(DevicePair pair, double tolerance, string what)
    {
        var actual = new float[pair.Length];
        var expected = new float[pair.Length];
        Device.Download(pair.Device, actual);
        Reference.Download(pair.Reference, expected);
        double error = Discrepancy.Max(actual, expected, out int worst);
        Assert.That(error, tolerance == 0 ? Is.EqualTo(0.0) : Is.LessThan(tolerance),
                    $"{what}: worst element {worst}: device {(worst >= 0 ? actual[worst] : 0)} vs reference {(worst >= 0 ? expected[worst] : 0)}");
    }

    /// <summary>Runs a GEMM-based check under every kernel version.</summary>
    protected void ForEachGemmVersion(Action<int> check)
    {
        foreach (int version in new[] { 1, 2, 3 })
        {
            Device.GemmVersion = version;
            check(version);
        }
        Device.GemmVersion = 2;
    }
}

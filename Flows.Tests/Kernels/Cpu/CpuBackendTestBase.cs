using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Reference;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// Shared helpers: a backend per fixture, seeded random inputs, NaN-poisoned outputs (so an element the
/// kernel forgot to write fails the comparison) and a norm-relative comparison against the reference.
/// </summary>
public abstract class CpuBackendTestBase
{
    /// <summary>Element-wise ops: relative error bound.</summary>
    protected const double ElementTolerance = 1e-5;

    /// <summary>Reductions and convolutions: norm-relative error bound.</summary>
    protected const double ReductionTolerance = 1e-4;

    protected ManagedCpuBackend Backend { get; private set; } = null!;

    [OneTimeSetUp]
    public void CreateBackend() => Backend = new ManagedCpuBackend();

    [OneTimeTearDown]
    public void DisposeBackend() => Backend.Dispose();

    protected static float[] Random(int length, int seed, float low = -1f, float high = 1f)
    {
        var rng = new System.Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = low + (high - low) * (float)rng.NextDouble();
        return data;
    }

    protected DeviceBuffer Up(float[] data)
    {
        var buffer = Backend.Allocate(data.Length);
        Backend.Upload(data, buffer);
        return buffer;
    }

    protected DeviceBuffer Poisoned(int length)
    {
        var buffer = Backend.Allocate(length);
        Backend.Fill(buffer, float.NaN);
        return buffer;
    }

    protected float[] Down(DeviceBuffer buffer)
    {
        var data = new float[buffer.Length];
        Backend.Download(buffer, data);
        return data;
    }

    protected static double[] ToDouble(float[] data) => Array.ConvertAll(data, v => (double)v);

    /// <summary>‖actual − expected‖ / ‖expected‖ below tolerance, and every element finite where expected is.</summary>
    protected static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.That(actual, Has.Length.GreaterThanOrEqualTo(expected.Length), what);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsFinite(expected[i]) && !float.IsFinite(actual[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]}");
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        double error = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-30);
        if (norm == 0) error = Math.Sqrt(diff);
        Assert.That(error, Is.LessThan(tolerance), $"{what}: norm-relative error");
    }

    /// <summary>
    /// Relative error per element (with a tiny absolute floor for exact zeros), relative to |expected| or, for
    /// results that are sums which may cancel, to the given size of their terms.
    /// </summary>
    protected static void AssertElementwise(double[] expected, float[] actual, double tolerance, string what, double[]? scale = null)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double bound = tolerance * (scale?[i] ?? Math.Abs(expected[i])) + 1e-12;
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (bound {bound:E2})");
        }
    }

    /// <summary>Runs forward, backward-data and backward-weight on random inputs and checks each against the reference.</summary>
    protected void AssertConvolutionsMatchReference(ConvGeometry g)
    {
        var x = Random(g.InputLength, 1);
        var w = Random(g.WeightLength, 2);
        var dy = Random(g.OutputLength, 3);
        using var bx = Up(x);
        using var bw = Up(w);
        using var bdy = Up(dy);
        using var by = Poisoned(g.OutputLength);
        using var bdx = Poisoned(g.InputLength);
        using var bdw = Poisoned(g.WeightLength);
        Backend.Conv2dForward(bx, bw, null, by, g);
        Backend.Conv2dBackwardData(bdy, bw, bdx, g);
        Backend.Conv2dBackwardWeight(bx, bdy, bdw, g);
        AssertClose(ReferenceLinear.ConvForward(x, w, null, g), Down(by), ReductionTolerance, "fwd");
        AssertClose(ReferenceLinear.ConvBackwardData(dy, w, g), Down(bdx), ReductionTolerance, "bwd data");
        AssertClose(ReferenceLinear.ConvBackwardWeight(x, dy, g), Down(bdw), ReductionTolerance, "bwd weight");
    }
}

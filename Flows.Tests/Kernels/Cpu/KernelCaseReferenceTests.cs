using Flows.Kernels.Cases;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels.Cpu;

/// <summary>
/// The small rows of the kernel case table (Flows.Kernels/Cases) on the managed CPU backend against their
/// plain-loop references (Flows.Kernels/Reference): the same rows the ILGPU-vs-CPU tests and gpu-check --quick run.
/// </summary>
[TestFixture]
public sealed class KernelCaseReferenceTests
{
    private ManagedCpuBackend _backend = null!;

    [OneTimeSetUp]
    public void CreateBackend() => _backend = new ManagedCpuBackend();

    [OneTimeTearDown]
    public void DisposeBackend() => _backend?.Dispose();

    public static IEnumerable<KernelCase> SmallCasesWithReference() =>
        KernelCases.Of(CaseSize.Small).Where(c => c.Reference is not null);

    [TestCaseSource(nameof(SmallCasesWithReference))]
    public void CpuMatchesThePlainLoopReference(KernelCase kernelCase)
    {
        using var buffers = new CaseBuffers(_backend);
        kernelCase.Setup(buffers);
        kernelCase.Run(_backend, buffers);
        var (error, worst) = CaseComparison.AgainstReference(kernelCase, buffers);
        Assert.That(error, Is.LessThanOrEqualTo(kernelCase.Tolerance), $"{kernelCase}: worst output {worst}");
    }

    [Test]
    public void EveryPaperKernelHasSmallRowsAndMostRowsHaveAReference()
    {
        // A kernel timed at the paper's shapes on a GPU is also checked on the simulator and against the loops.
        var small = KernelCases.Of(CaseSize.Small).Select(c => c.Kernel).ToHashSet();
        var paper = KernelCases.Of(CaseSize.Paper).Select(c => c.Kernel).ToHashSet();
        Assert.That(paper, Is.SubsetOf(small));
        Assert.That(KernelCases.All.Count(c => c.Reference is not null), Is.GreaterThan(KernelCases.All.Count * 3 / 4));
    }
}

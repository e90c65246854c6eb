using Flows.Kernels.Ilgpu;
using ILGPU.Runtime.Cuda;

namespace Flows.Tests.Kernels;

/// <summary>The v3 GEMM kernels compiled to PTX for Hopper: they compile, and ILGPU keeps the 8×8 block in registers.</summary>
[TestFixture]
public sealed class ConvV3PtxTests
{
    [Test]
    public void ParserCountsRegistersLocalMemoryAndDivisions()
    {
        const string ptx = ".local .align 4 .b8 __local_depot0[64];\n.reg .pred %p<3>;\n.reg .b32 %r<10>;\n.reg .f32 %f<20>;\n" +
                           ".reg .b64 %rd<5>;\ndiv.s32 %r1, %r2, %r3;\nrem.u32 %r4, %r5, %r6;\ndiv.rn.f32 %f1, %f2, %f3;\n";
        var expected = new PtxResources(Predicates: 3, Registers32: 30, Registers64: 5, LocalBytes: 64, IntegerDivisions: 2);
        Assert.That(PtxResources.Parse(ptx), Is.EqualTo(expected));
    }

    [Test]
    public void V3KernelsCompileWithoutLocalMemory()
    {
        using var device = IlgpuBackend.CreateCpuSimulator();
        static bool Gemm(string name) =>
            name.StartsWith("GemmKernelsV3.", StringComparison.Ordinal) || name.StartsWith("GemmKernels.Tiled", StringComparison.Ordinal);
        var results = PtxCompileCheck.CompileAll(device, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, Gemm);
        foreach (var r in results)
            TestContext.Progress.WriteLine($"{r.Kernel}: {r.PtxCharacters} chars, {r.Resources}");
        var v3 = results.Where(r => r.Kernel.StartsWith("GemmKernelsV3.", StringComparison.Ordinal)).ToList();
        Assert.That(v3, Has.Count.EqualTo(3));
        Assert.That(v3.Where(r => r.Error is not null).Select(r => r.Error), Is.Empty);
        foreach (var r in v3)
        {
            Assert.That(r.Resources!.LocalBytes, Is.Zero, $"{r.Kernel} puts part of its state in local memory");
            Assert.That(r.Resources.Registers32, Is.GreaterThanOrEqualTo(64), $"{r.Kernel}: the 64 accumulators are 32-bit registers");
        }
    }
}

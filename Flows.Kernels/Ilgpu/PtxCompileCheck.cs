using System.Diagnostics;
using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Flows.Kernels.Ilgpu;

/// <summary>A kernel method and how it is launched (explicit groups with shared memory, or auto-grouped).</summary>
internal readonly record struct KernelEntry(MethodInfo Method, bool ExplicitlyGrouped);

/// <summary>One kernel compiled to PTX: its name, the PTX size, the compile time, or the error.</summary>
public sealed record PtxCompileResult(string Kernel, int PtxCharacters, double Milliseconds, string? Error)
{
    /// <summary>Registers and local memory declared in the PTX (<see cref="PtxResources"/>); null when compilation failed.</summary>
    public PtxResources? Resources { get; init; }
}

/// <summary>
/// Compiles every kernel of the backend to PTX for a given GPU architecture without a GPU (ILGPU's PTX
/// backend needs no driver). The CPU accelerator runs kernels as .NET code and so accepts constructs the PTX
/// backend rejects (unsupported intrinsics, managed calls); this catches those on a machine with no GPU.
/// Each result carries what its PTX declares (<see cref="PtxResources"/>); <c>include</c> picks kernels by name
/// and <c>ptxDirectory</c>, when given, receives each kernel's PTX text for reading.
/// </summary>
public static class PtxCompileCheck
{
    public static IReadOnlyList<PtxCompileResult> CompileAll(IlgpuBackend loaded, CudaArchitecture architecture, CudaInstructionSet instructionSet,
                                                             Func<string, bool>? include = null, string? ptxDirectory = null)
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, instructionSet, null);
        var results = new List<PtxCompileResult>();
        foreach (var entry in loaded.KernelEntries())
        {
            var clock = Stopwatch.StartNew();
            string name = NameOf(entry);
            if (include is not null && !include(name)) continue;
            try
            {
                var description = entry.ExplicitlyGrouped
                    ? EntryPointDescription.FromExplicitlyGroupedKernel(entry.Method)
                    : EntryPointDescription.FromImplicitlyGroupedKernel(entry.Method);
                var compiled = (PTXCompiledKernel)backend.Compile(description, default);
                if (ptxDirectory is not null) File.WriteAllText(Path.Combine(ptxDirectory, FileName(name)), compiled.PTXAssembly);
                results.Add(new PtxCompileResult(name, compiled.PTXAssembly.Length, clock.Elapsed.TotalMilliseconds, null)
                {
                    Resources = PtxResources.Parse(compiled.PTXAssembly),
                });
            }
            catch (Exception e)
            {
                results.Add(new PtxCompileResult(name, 0, clock.Elapsed.TotalMilliseconds, e.GetBaseException().Message.ReplaceLineEndings(" ")));
            }
        }
        return results;
    }

    /// <summary>Type.Method, with the generic arguments of an operand instantiation: GemmKernelsV3.Tiled&lt;TableOperands,StageAlongN&gt;.</summary>
    internal static string NameOf(KernelEntry entry) =>
        $"{entry.Method.DeclaringType!.Name}.{entry.Method.Name}" +
        (entry.Method.IsGenericMethod ? $"<{string.Join(",", entry.Method.GetGenericArguments().Select(t => t.Name))}>" : "");

    private static string FileName(string kernel) => new string(kernel.Select(c => char.IsLetterOrDigit(c) || c == '.' ? c : '_').ToArray()) + ".ptx";

    /// <summary>Non-generic kernels are found by signature (a first parameter of Index1D); generic ones as loaded.</summary>
    internal static IEnumerable<KernelEntry> NonGenericKernels() =>
        typeof(PtxCompileCheck).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(PtxCompileCheck).Namespace)
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsGenericMethodDefinition && m.GetParameters() is [var first, ..] && first.ParameterType == typeof(Index1D))
            .Select(m => new KernelEntry(m, ExplicitlyGrouped: false));
}

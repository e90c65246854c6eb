using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>
/// The one table of kernel cases: every IComputeBackend kernel at the shapes the paper's models use (RealNVP on
/// FashionMNIST: batch 64, 64 channels at 28x28, 14.7M parameters; Glow: 200 channels at 7x7; ResNet-18's
/// strided convolutions and max-pool at batch 32 on 64×64 inputs), and the same kernels at tiny shapes
/// (<see cref="CaseSize.Small"/>) that the ILGPU CPU simulator gets through in seconds. Three runs read it:
/// the CPU-vs-reference tests (small rows with a plain-loop reference), the ILGPU-vs-CPU tests (small rows)
/// and gpu-check (paper rows on a GPU, small rows with --quick).
/// </summary>
public static partial class KernelCases
{
    private const double Element = 1e-5, Reduction = 1e-4;
    private const int RealNvpParameters = 14_707_336;

    /// <summary>Every row of the table, small rows first.</summary>
    public static IReadOnlyList<KernelCase> All { get; } = [.. Of(CaseSize.Small), .. Of(CaseSize.Paper)];

    /// <summary>The rows of one size.</summary>
    public static IReadOnlyList<KernelCase> Of(CaseSize size) => Build(size == CaseSize.Small).Select(c => c with { Size = size }).ToList();

    private static List<KernelCase> Build(bool quick)
    {
        var cases = new List<KernelCase>();
        var convs = quick
            ? new[] { ConvGeometry.Same(2, 4, 6, 6, 4, 3), ConvGeometry.Same(2, 6, 5, 5, 6, 3), ConvGeometry.Same(2, 4, 6, 6, 4, 1), ConvGeometry.Same(2, 3, 5, 7, 4, 5) }
            : new[] { ConvGeometry.Same(64, 64, 28, 28, 64, 3), ConvGeometry.Same(32, 200, 7, 7, 200, 3), ConvGeometry.Same(64, 64, 28, 28, 64, 1) };
        foreach (var g in convs)
            foreach (int version in GemmVersions)
                AddConv(cases, g, version);
        if (quick)
            foreach (int version in GemmVersions)
                AddConv(cases, ConvGeometry.Same(2, 3, 5, 7, 4, 3), version, bias: false);

        // ResNet-18's strided convolutions (the 7×7/2 stem, a stage's first 3×3/2 and its 1×1/2 shortcut) at
        // batch 32 on a 64×64 input, and its 3×3/2 max-pool.
        var strided = quick
            ? new[] { new ConvGeometry(2, 3, 9, 9, 4, 3, 1, 2), new ConvGeometry(1, 3, 11, 10, 4, 7, 3, 2), new ConvGeometry(2, 4, 7, 9, 5, 1, 0, 2) }
            : new[]
            {
                new ConvGeometry(32, 3, 64, 64, 64, 7, 3, 2), new ConvGeometry(32, 64, 16, 16, 128, 3, 1, 2),
                new ConvGeometry(32, 64, 16, 16, 128, 1, 0, 2), new ConvGeometry(32, 256, 4, 4, 512, 3, 1, 2),
            };
        foreach (var g in strided)
            foreach (int version in GemmVersions)
                AddConv(cases, g, version);
        AddConvV3Classes(cases, quick);
        AddCpuConvPathRows(cases, quick);
        var pools = quick
            ? new[] { new PoolGeometry(2, 3, 7, 8, 3, 2, 1), new PoolGeometry(2, 3, 8, 8, 2, 2, 0) }
            : new[] { new PoolGeometry(32, 64, 32, 32, 3, 2, 1) };
        foreach (var g in pools) AddMaxPool(cases, g);

        var (m, k, n) = quick ? (33, 20, 70) : (1024, 1024, 1024);
        // Every transpose and the accumulating form on small shapes; the two the engine runs most at full size.
        var products = quick
            ? new[] { (false, false, false), (true, false, false), (false, true, false), (true, true, false), (false, false, true) }
            : new[] { (false, false, false), (true, false, false) };
        foreach (int version in GemmVersions)
            foreach (var (transposeA, transposeB, accumulate) in products)
                cases.Add(new KernelCase(
                    $"matmul {(accumulate ? "C += " : "")}A{(transposeA ? "ᵀ" : "")}·B{(transposeB ? "ᵀ" : "")}", $"{m}x{k}x{n}", version,
                    4.0 * (m * k + k * n + m * n), 2.0 * m * k * n, Reduction,
                    b =>
                    {
                        b.Random("a", m * k);
                        b.Random("b", k * n);
                        if (accumulate) b.Random("c", m * n);
                        else b.Output("c", m * n);
                    },
                    (d, b) => d.MatMul(b["a"], b["b"], b["c"], m, k, n, transposeA, transposeB, accumulate), ["c"])
                {
                    Reference = b => Outputs(("c", ReferenceLinear.MatMul(b.Host("a"), b.Host("b"), accumulate ? b.Host("c") : null,
                                                                          m, k, n, transposeA, transposeB))),
                });

        var glow = quick ? new Ncs(2, 4, 9) : new Ncs(64, 16, 196);
        foreach (int version in GemmVersions)
            foreach (bool transpose in quick ? new[] { false, true } : new[] { false })
                cases.Add(new KernelCase(transpose ? "conv1x1 (invertible, Wᵀ)" : "conv1x1 (invertible)", Show(glow), version,
                    4.0 * (2 * glow.Length + glow.C * glow.C), 2.0 * glow.Length * glow.C, Reduction,
                    b => { b.Random("x", glow.Length); b.Random("w", glow.C * glow.C); b.Output("y", glow.Length); },
                    (d, b) => d.Conv1x1(b["x"], b["w"], b["y"], glow, transpose), ["y"])
                {
                    Reference = b => Outputs(("y", ReferenceLinear.Conv1x1(b.Host("x"), b.Host("w"), glow, transpose))),
                });

        AddCoupling(cases, quick ? new Ncs(2, 1, 16) : new Ncs(64, 1, 784), masked: true);
        AddCoupling(cases, quick ? new Ncs(2, 4, 9) : new Ncs(64, 4, 196), masked: false);

        var act = quick ? new Ncs(2, 4, 16) : new Ncs(64, 64, 784);
        AddNormalization(cases, act);
        AddActNorm(cases, quick ? new Ncs(2, 4, 9) : new Ncs(64, 16, 196));
        AddReductions(cases, act, quick ? 3001 : RealNvpParameters);
        AddElementwise(cases, act, quick ? 3001 : RealNvpParameters);
        AddLayout(cases, act);
        AddOptimizers(cases, quick ? 3001 : RealNvpParameters, quick);
        AddStepGuard(cases, quick ? 3001 : RealNvpParameters);
        AddMultiTensor(cases, quick ? 3001 : RealNvpParameters);
        AddFused(cases, quick);
        AddGlowStep(cases, quick);
        return cases;
    }

    private static string Show(Ncs s) => $"N{s.N} C{s.C} S{s.S}";

    private static IReadOnlyDictionary<string, double[]> Outputs(params (string Name, double[] Values)[] outputs) =>
        outputs.ToDictionary(o => o.Name, o => o.Values);

    private static string Show(ConvGeometry g) =>
        $"b{g.Batch} {g.InChannels}→{g.OutChannels} {g.Height}x{g.Width} k{g.KernelSize}" +
        (g.Stride == 1 ? "" : $" s{g.Stride} p{g.Padding}");

    private static string Show(PoolGeometry g) =>
        $"b{g.Batch} C{g.Channels} {g.Height}x{g.Width} k{g.KernelSize} s{g.Stride} p{g.Padding}";
}

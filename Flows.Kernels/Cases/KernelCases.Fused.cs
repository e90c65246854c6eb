using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>Rows of the fused layer passes: weight norm forward and backward, BatchNorm statistics, log|det W|.</summary>
public static partial class KernelCases
{
    private static void AddFused(List<KernelCase> cases, bool quick)
    {
        var (rows, rest) = quick ? (5, 37) : (64, 64 * 9);
        cases.Add(new KernelCase("weight norm forward", $"{rows}x{rest}", 0, 4.0 * (2 * rows * rest + 2 * rows), 0, Reduction,
            b => { b.Random("g", rows, 0.5f, 1.5f); b.Random("v", rows * rest); b.Output("w", rows * rest); b.Output("norms", rows); },
            (d, b) => d.WeightNormForward(b["g"], b["v"], b["w"], b["norms"], rows, rest), ["w", "norms"])
        {
            Reference = b =>
            {
                var (w, norms) = ReferenceFused.WeightNorm(b.Host("g"), b.Host("v"), rows, rest);
                return Outputs(("w", w), ("norms", norms));
            },
        });
        cases.Add(new KernelCase("weight norm backward", $"{rows}x{rest}", 0, 4.0 * (3 * rows * rest + 3 * rows), 0, Reduction,
            b =>
            {
                b.Random("g", rows, 0.5f, 1.5f);
                b.Random("v", rows * rest);
                b.Values("norms", ReferenceFused.WeightNorm(b.Host("g"), b.Host("v"), rows, rest).Norms.Select(v => (float)v).ToArray());
                b.Random("dw", rows * rest);
                b.Output("dg", rows);
                b.Output("dv", rows * rest);
            },
            (d, b) => d.WeightNormBackward(b["g"], b["v"], b["norms"], b["dw"], b["dg"], b["dv"], rows, rest), ["dg", "dv"])
        {
            Reference = b =>
            {
                var (dg, dv) = ReferenceFused.WeightNormBackward(b.Host("g"), b.Host("v"), b.Host("dw"), rows, rest);
                return Outputs(("dg", dg), ("dv", dv));
            },
        });

        var s = quick ? new Ncs(3, 4, 10) : new Ncs(64, 64, 784);
        cases.Add(new KernelCase("batchnorm statistics", Show(s), 0, 4.0 * s.Length, 0, Reduction,
            b =>
            {
                b.Random("x", s.Length, -2f, 3f);
                b.Random("runningMean", s.C);
                b.Random("runningVar", s.C, 0.5f, 2f);
                b.Output("mean", s.C);
                b.Output("invStd", s.C);
            },
            (d, b) => d.BatchNormStatistics(b["x"], s, b["mean"], b["invStd"], b["runningMean"], b["runningVar"], 0.1f, 1e-5f),
            ["mean", "invStd", "runningMean", "runningVar"])
        {
            Reference = b =>
            {
                var (mean, invStd, rm, rv) = ReferenceFused.BatchNormStatistics(b.Host("x"), s, b.Host("runningMean"), b.Host("runningVar"), 0.1f, 1e-5f);
                return Outputs(("mean", mean), ("invStd", invStd), ("runningMean", rm), ("runningVar", rv));
            },
        });

        foreach (int n in quick ? new[] { 4, 12 } : new[] { 48 })
            cases.Add(new KernelCase("log|det W| and W⁻ᵀ", $"{n}x{n}", 0, 4.0 * 3 * n * n, 2.0 * n * n * n, Reduction,
                b =>
                {
                    // A well-conditioned W: the identity plus a small random part.
                    b.Random("wr", n * n, -0.3f, 0.3f);
                    var w = (float[])b.Host("wr").Clone();
                    for (int i = 0; i < n; i++) w[i * n + i] += 1f;
                    b.Values("w", w);
                    b.Output("logdet", 1);
                    b.Output("invT", n * n);
                    b.Output("lu", n * n);
                },
                (d, b) => d.LogAbsDeterminant(b["w"], n, b["logdet"], b["invT"], b["lu"]), ["logdet", "invT"])
            {
                Reference = b =>
                {
                    var (logDet, invT) = ReferenceFused.LogAbsDeterminant(b.Host("w"), n);
                    return Outputs(("logdet", [logDet]), ("invT", invT));
                },
            });
    }
}

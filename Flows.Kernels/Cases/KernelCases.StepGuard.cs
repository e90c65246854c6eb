using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>The rows of clipping without host reads: sums into a slot, clip coefficients, the non-finite flag, guarded updates.</summary>
public static partial class KernelCases
{
    private static void AddStepGuard(List<KernelCase> cases, int parameters)
    {
        cases.Add(new KernelCase("sum of squares into", $"{parameters}", 0, 4.0 * parameters, 2.0 * parameters, Reduction,
            b => { b.Random("x", parameters); b.Values("sums", [0.25f, 2f]); },
            (d, b) => d.SumOfSquaresInto(b["x"], parameters, b["sums"], 1), ["sums"])
        {
            Reference = b => Outputs(("sums", [0.25, 2.0 + ReferenceStepGuard.SumOfSquares(b.Host("x"), parameters)])),
        });
        // Group 0 clips, group 1 does not (norm below its maximum), group 2 has no maximum (+∞), group 3 is NaN.
        float[] sums = [25f, 4f, 1e4f, float.NaN];
        float[] maxima = [1f, 10f, float.PositiveInfinity, 1f];
        cases.Add(new KernelCase("clip coefficients", "4 groups, one NaN", 0, 16.0 * sums.Length, 0, Element,
            b => { b.Values("sums", sums); b.Values("max", maxima); b.Output("coefficients", 3); b.Values("flag", [0f]); },
            (d, b) => d.ClipCoefficients(b["sums"], b["max"], 3, b["coefficients"], b["flag"]), ["coefficients", "flag"])
        {
            Reference = b =>
            {
                var (coefficients, flagged) = ReferenceStepGuard.ClipCoefficients(sums, maxima, 3);
                return Outputs(("coefficients", coefficients), ("flag", [flagged ? 1 : 0]));
            },
        });
        cases.Add(new KernelCase("clip coefficients", "a NaN norm sets the flag", 0, 16.0 * sums.Length, 0, Element,
            b => { b.Values("sums", sums); b.Values("max", maxima); b.Output("coefficients", 4); b.Values("flag", [0f]); },
            (d, b) => d.ClipCoefficients(b["sums"], b["max"], 4, b["coefficients"], b["flag"]), ["flag"])
        {
            Reference = b => Outputs(("flag", [ReferenceStepGuard.ClipCoefficients(sums, maxima, 4).Flagged ? 1 : 0])),
        });
        foreach (bool poisoned in new[] { false, true })
            cases.Add(new KernelCase("flag non-finite", $"{parameters}{(poisoned ? " one Inf" : "")}", 0, 4.0 * parameters, 0, Element,
                b =>
                {
                    var x = b.Random("x", parameters);
                    if (poisoned)
                    {
                        var host = b.Host("x");
                        host[parameters / 2] = float.PositiveInfinity;
                        b.Backend.Upload(host, x);
                    }
                    b.Values("flag", [0f]);
                },
                (d, b) => d.FlagNonFinite(b["x"], parameters, b["flag"]), ["flag"])
            {
                Reference = b => Outputs(("flag", [ReferenceStepGuard.AnyNonFinite(b.Host("x"), parameters) ? 1 : 0])),
            });

        var adam = new AdamSettings(1e-3f, 0.9f, 0.999f, 1e-8f, 5e-5f, 3);
        const float coefficient = 0.37f, decay = 0.999f;
        foreach (float flag in new[] { 0f, 1f })
            cases.Add(new KernelCase("adam guarded", $"{parameters} coefficient {coefficient} decay {decay}{(flag != 0 ? " flagged" : "")}", 0,
                                     28.0 * parameters, 0, Element,
                b =>
                {
                    b.Random("p", parameters); b.Random("g", parameters); b.Random("m", parameters, -0.1f, 0.1f); b.Random("v", parameters, 0f, 0.01f);
                    b.Values("coefficients", [1f, coefficient]); b.Values("flag", [flag]);
                },
                (d, b) => d.AdamStepGuarded(b["p"], b["g"], b["m"], b["v"], parameters, adam, decay, new StepGuard(b["coefficients"], 1, b["flag"])),
                ["p", "m", "v"])
            {
                Reference = b =>
                {
                    float[] p0 = b.Host("p"), g = b.Host("g"), m0 = b.Host("m"), v0 = b.Host("v");
                    double[] p = Array.ConvertAll(p0, x => (double)x), m = Array.ConvertAll(m0, x => (double)x), v = Array.ConvertAll(v0, x => (double)x);
                    if (flag == 0)
                        for (int i = 0; i < parameters; i++)
                            (p[i], m[i], v[i]) = ReferenceOptimizers.Adam((double)decay * p0[i], (double)coefficient * g[i], m0[i], v0[i], adam);
                    return Outputs(("p", p), ("m", m), ("v", v));
                },
            });
        var rms = new RmsPropSettings(1e-3f, 0.99f, 1e-8f, 0f);
        cases.Add(new KernelCase("rmsprop guarded", $"{parameters} coefficient {coefficient}", 0, 20.0 * parameters, 0, Element,
            b =>
            {
                b.Random("p", parameters); b.Random("g", parameters); b.Random("v", parameters, 0f, 0.01f);
                b.Values("coefficients", [coefficient]); b.Values("flag", [0f]);
            },
            (d, b) => d.RmsPropStepGuarded(b["p"], b["g"], b["v"], parameters, rms, new StepGuard(b["coefficients"], 0, b["flag"])), ["p", "v"])
        {
            Reference = b =>
            {
                double[] p = new double[parameters], v = new double[parameters];
                float[] p0 = b.Host("p"), g = b.Host("g"), v0 = b.Host("v");
                for (int i = 0; i < parameters; i++) (p[i], v[i]) = ReferenceOptimizers.RmsProp(p0[i], (double)coefficient * g[i], v0[i], rms);
                return Outputs(("p", p), ("v", v));
            },
        });
    }
}

using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>
/// The rows of the multi-tensor optimizer ops (docs/PERFORMANCE.md, "Multi-tensor optimizers"): three members of one
/// pack (the flat buffers), two in group 0 and one in group 1, plus an empty group 2 for the norms; the per-step
/// scalars come from a StepScalars buffer, as the optimizers write it.
/// </summary>
public static partial class KernelCases
{
    private static void AddMultiTensor(List<KernelCase> cases, int parameters)
    {
        int[] lengths = [parameters / 3, 1, parameters - parameters / 3 - 1];
        int[] groupOf = [0, 0, 1];
        string shape = $"{parameters} in 3 tensors, 2 groups";
        DeviceBuffer[] Members(CaseBuffers b, string prefix) => [.. Enumerable.Range(0, lengths.Length).Select(i => b[prefix + i])];
        string[] Names(params string[] prefixes) => [.. prefixes.SelectMany(p => Enumerable.Range(0, lengths.Length).Select(i => p + i))];

        cases.Add(new KernelCase("sum of squares multi", shape, 0, 4.0 * parameters, 2.0 * parameters, Reduction,
            b => { b.RandomPacked("x", lengths); b.Output("sums", 3); },
            (d, b) => d.SumOfSquaresMulti(Members(b, "x"), lengths, groupOf, 3, b["sums"]), ["sums"])
        {
            Reference = b =>
            {
                var sums = new double[3];
                for (int i = 0; i < lengths.Length; i++) sums[groupOf[i]] += ReferenceStepGuard.SumOfSquares(b.Host("x" + i), lengths[i]);
                return Outputs(("sums", sums));
            },
        });

        // Group 0: coupled decay, clipped; group 1: AdamW's decoupled decay, not clipped.
        AdamSettings[] adam = [new(1e-3f, 0.9f, 0.999f, 1e-8f, 5e-5f, 3), new(2e-3f, 0.9f, 0.999f, 1e-8f, 0f, 3)];
        float[] decays = [1f, 0.999f], coefficients = [0.37f, 1f];
        var adamScalars = new float[StepScalars.Length(2)];
        for (int k = 0; k < 2; k++) StepScalars.WriteAdam(adamScalars, k, adam[k], decays[k]);
        foreach (float flag in new[] { 0f, 1f })
            cases.Add(new KernelCase("adam multi", shape + (flag != 0 ? " flagged" : ""), 0, 28.0 * parameters, 0, Element,
                b =>
                {
                    b.RandomPacked("p", lengths); b.RandomPacked("g", lengths); b.RandomPacked("m", lengths, -0.1f, 0.1f);
                    b.RandomPacked("v", lengths, 0f, 0.01f);
                    b.Values("scalars", adamScalars); b.Values("coefficients", coefficients); b.Values("flag", [flag]);
                },
                (d, b) => d.AdamStepMulti(Members(b, "p"), Members(b, "g"), Members(b, "m"), Members(b, "v"), lengths, groupOf, 2,
                                          0.9f, 0.999f, 1e-8f, new MultiStepGuard(b["scalars"], b["coefficients"], b["flag"])),
                Names("p", "m", "v"))
            {
                Reference = b =>
                {
                    var expected = new List<(string, double[])>();
                    for (int i = 0; i < lengths.Length; i++)
                    {
                        int k = groupOf[i];
                        float[] p0 = b.Host("p" + i), g = b.Host("g" + i), m0 = b.Host("m" + i), v0 = b.Host("v" + i);
                        double[] p = Array.ConvertAll(p0, x => (double)x), m = Array.ConvertAll(m0, x => (double)x), v = Array.ConvertAll(v0, x => (double)x);
                        if (flag == 0)
                            for (int j = 0; j < lengths[i]; j++)
                                (p[j], m[j], v[j]) = ReferenceOptimizers.Adam((double)decays[k] * p0[j], (double)coefficients[k] * g[j], m0[j], v0[j], adam[k]);
                        expected.AddRange([("p" + i, p), ("m" + i, m), ("v" + i, v)]);
                    }
                    return Outputs([.. expected]);
                },
            });

        RmsPropSettings[] rms = [new(1e-3f, 0.99f, 1e-8f, 1e-4f), new(3e-3f, 0.99f, 1e-8f, 0f)];
        var rmsScalars = new float[StepScalars.Length(2)];
        for (int k = 0; k < 2; k++) StepScalars.WriteRmsProp(rmsScalars, k, rms[k]);
        cases.Add(new KernelCase("rmsprop multi", shape, 0, 20.0 * parameters, 0, Element,
            b =>
            {
                b.RandomPacked("p", lengths); b.RandomPacked("g", lengths); b.RandomPacked("v", lengths, 0f, 0.01f);
                b.Values("scalars", rmsScalars); b.Values("coefficients", coefficients); b.Values("flag", [0f]);
            },
            (d, b) => d.RmsPropStepMulti(Members(b, "p"), Members(b, "g"), Members(b, "v"), lengths, groupOf, 2, 0.99f, 1e-8f,
                                         new MultiStepGuard(b["scalars"], b["coefficients"], b["flag"])),
            Names("p", "v"))
        {
            Reference = b =>
            {
                var expected = new List<(string, double[])>();
                for (int i = 0; i < lengths.Length; i++)
                {
                    int k = groupOf[i];
                    float[] p0 = b.Host("p" + i), g = b.Host("g" + i), v0 = b.Host("v" + i);
                    double[] p = new double[lengths[i]], v = new double[lengths[i]];
                    for (int j = 0; j < lengths[i]; j++) (p[j], v[j]) = ReferenceOptimizers.RmsProp(p0[j], (double)coefficients[k] * g[j], v0[j], rms[k]);
                    expected.AddRange([("p" + i, p), ("v" + i, v)]);
                }
                return Outputs([.. expected]);
            },
        });
    }
}

using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>Reduction, element-wise, layout and optimizer rows.</summary>
public static partial class KernelCases
{
    private static void AddReductions(List<KernelCase> cases, Ncs s, int parameters)
    {
        cases.Add(new KernelCase("sumTo per channel", Show(s), 0, 4.0 * s.Length, s.Length, Reduction,
            b => { b.Random("x", s.Length); b.Output("y", s.C); },
            (d, b) => d.SumTo(b["x"], s, b["y"], new Ncs(1, s.C, 1)), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceReductions.SumTo(b.Host("x"), s, new Ncs(1, s.C, 1)))),
        });
        cases.Add(new KernelCase("sumTo per sample", Show(s), 0, 4.0 * s.Length, s.Length, Reduction,
            b => { b.Random("x", s.Length); b.Output("y", s.N); },
            (d, b) => d.SumTo(b["x"], s, b["y"], new Ncs(s.N, 1, 1)), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceReductions.SumTo(b.Host("x"), s, new Ncs(s.N, 1, 1)))),
        });
        cases.Add(new KernelCase("sum of squares", $"{parameters}", 0, 4.0 * parameters, 2.0 * parameters, Reduction,
            b => b.Random("x", parameters),
            (d, b) => b.Scalars["sum"] = d.SumOfSquares(b["x"], parameters), ["scalar:sum"])
        {
            Reference = b => Outputs(("scalar:sum", [ReferenceReductions.SumOfSquares(b.Host("x"), parameters)])),
        });
    }

    private static void AddElementwise(List<KernelCase> cases, Ncs s, int parameters)
    {
        int count = s.Length;
        cases.Add(new KernelCase("unary tanh", $"{count}", 0, 8.0 * count, 0, Element,
            b => { b.Random("x", count, -3f, 3f); b.Output("y", count); },
            (d, b) => d.Unary(UnaryOp.Tanh, b["x"], b["y"], count), ["y"])
        {
            Reference = b => Outputs(("y", Array.ConvertAll(b.Host("x"), v => ReferenceElementwise.Unary(UnaryOp.Tanh, v, 0)))),
        });
        cases.Add(new KernelCase("unary softplus", $"{count}", 0, 8.0 * count, 0, Element,
            b => { b.Random("x", count, -6f, 6f); b.Output("y", count); },
            (d, b) => d.Unary(UnaryOp.Softplus, b["x"], b["y"], count), ["y"])
        {
            Reference = b => Outputs(("y", Array.ConvertAll(b.Host("x"), v => ReferenceElementwise.Unary(UnaryOp.Softplus, v, 0)))),
        });
        cases.Add(new KernelCase("unary backward sigmoid", $"{count}", 0, 16.0 * count, 0, Element,
            b => { b.Random("x", count); b.Random("y", count, 0.1f, 0.9f); b.Random("dy", count); b.Output("dx", count); },
            (d, b) => d.UnaryBackward(UnaryOp.Sigmoid, b["x"], b["y"], b["dy"], b["dx"], count), ["dx"]));
        cases.Add(new KernelCase("binary mul (C broadcast)", Show(s), 0, 8.0 * count, count, Element,
            b => { b.Random("a", count); b.Random("b", s.C); b.Output("c", count); },
            (d, b) => d.Binary(BinaryOp.Mul, b["a"], s, b["b"], new Ncs(1, s.C, 1), b["c"]), ["c"])
        {
            Reference = b => Outputs(("c", ReferenceElementwise.Binary(BinaryOp.Mul, b.Host("a"), s, b.Host("b"), new Ncs(1, s.C, 1)))),
        });
        cases.Add(new KernelCase("highway gate", $"{count}", 0, 16.0 * count, 8.0 * count, Element,
            b => { b.Random("a", count); b.Random("t", count, -6f, 6f); b.Random("h", count); b.Output("y", count); },
            (d, b) => d.HighwayGate(b["a"], b["t"], b["h"], b["y"], count), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceElementwise.HighwayGate(b.Host("a"), b.Host("t"), b.Host("h"), new float[count], count).Y)),
        });
        cases.Add(new KernelCase("highway gate backward", $"{count}", 0, 28.0 * count, 14.0 * count, Element,
            b =>
            {
                b.Random("a", count); b.Random("t", count, -6f, 6f); b.Random("h", count); b.Random("dy", count);
                b.Output("da", count); b.Output("dt", count); b.Output("dh", count);
            },
            (d, b) => d.HighwayGateBackward(b["a"], b["t"], b["h"], b["dy"], b["da"], b["dt"], b["dh"], count), ["da", "dt", "dh"])
        {
            Reference = b =>
            {
                var (_, da, dt, dh) = ReferenceElementwise.HighwayGate(b.Host("a"), b.Host("t"), b.Host("h"), b.Host("dy"), count);
                return Outputs(("da", da), ("dt", dt), ("dh", dh));
            },
        });
        cases.Add(new KernelCase("axpy", $"{parameters}", 0, 12.0 * parameters, 2.0 * parameters, Element,
            b => { b.Random("x", parameters); b.Random("y", parameters); },
            (d, b) => d.Axpy(0.5f, b["x"], b["y"], parameters), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceElementwise.Axpy(0.5f, b.Host("x"), b.Host("y"), parameters))),
        });
        cases.Add(new KernelCase("fill uniform (RNG)", $"{count}", 0, 4.0 * count, 0, 0,
            b => b.Output("u", count),
            (d, b) => d.FillUniform(b["u"], count, 42, 1UL << 33), ["u"])
        {
            Reference = b => Outputs(("u", Enumerable.Range(0, count).Select(i => (double)CounterRng.Uniform(42, (1UL << 33) + (ulong)i)).ToArray())),
        });
        cases.Add(new KernelCase("fill uniform at a device counter (RNG)", $"{count}", 0, 4.0 * count, 0, 0,
            b => { b.Output("u", count); b.Values("counter", CounterAt(CountedStart)); },
            (d, b) => d.FillUniformCounted(b["u"], count, 42, b["counter"]), ["u"])
        {
            Reference = b => Outputs(("u", Enumerable.Range(0, count).Select(i => (double)CounterRng.Uniform(42, CountedStart + (ulong)i)).ToArray())),
        });
        cases.Add(new KernelCase("fill normal (RNG)", $"{count}", 0, 4.0 * count, 0, Element,
            b => b.Output("z", count),
            (d, b) => d.FillNormal(b["z"], count, 42, 7), ["z"])
        {
            Reference = b => Outputs(("z", Enumerable.Range(0, count).Select(i => (double)CounterRng.Normal(42, 7 + (ulong)i)).ToArray())),
        });
    }

    // Above 2^32, so the counter's high half is used; both halves are ordinary float bit patterns.
    private const ulong CountedStart = 0x3F80_0000_4000_0000UL;

    private static float[] CounterAt(ulong start)
    {
        var counter = new float[DeviceCounter.Length];
        DeviceCounter.Encode(start, counter);
        return counter;
    }

    private static void AddLayout(List<KernelCase> cases, Ncs s)
    {
        int h = (int)Math.Sqrt(s.S);
        cases.Add(new KernelCase("squeeze 2x2", $"N{s.N} C{s.C} {h}x{h}", 0, 8.0 * s.Length, 0, 0,
            b => { b.Random("x", s.Length); b.Output("y", s.Length); },
            (d, b) => d.Squeeze2x2(b["x"], b["y"], s.N, s.C, h, h), ["y"])
        {
            Reference = b => Outputs(("y", Array.ConvertAll(ReferenceReductions.Squeeze(b.Host("x"), s.N, s.C, h, h), v => (double)v))),
        });
        cases.Add(new KernelCase("unsqueeze 2x2", $"N{s.N} C{s.C} {h}x{h}", 0, 8.0 * s.Length, 0, 0,
            b => { b.Random("y", s.Length); b.Output("x", s.Length); },
            (d, b) => d.Unsqueeze2x2(b["y"], b["x"], s.N, s.C, h, h), ["x"])
        {
            Reference = b => Outputs(("x", Array.ConvertAll(ReferenceReductions.Unsqueeze(b.Host("y"), s.N, s.C, h, h), v => (double)v))),
        });
        int half = s.C / 2;
        cases.Add(new KernelCase("copy channels (split)", $"{Show(s)} → C{half}", 0, 8.0 * s.N * half * s.S, 0, 0,
            b => { b.Random("x", s.Length); b.Output("y", s.N * half * s.S); },
            (d, b) => d.CopyChannels(b["x"], s.C, half, b["y"], half, 0, half, s.N, s.S), ["y"])
        {
            Reference = b => Outputs(("y", Array.ConvertAll(ReferenceReductions.CopyChannels(b.Host("x"), s.C, half, new float[s.N * half * s.S], half, 0,
                                                                                          half, s.N, s.S), v => (double)v))),
        });
    }

    private static void AddOptimizers(List<KernelCase> cases, int parameters, bool quick)
    {
        // The first step (bias corrections at their largest) and a decayed later step, besides the paper's setting.
        var settings = new List<AdamSettings> { new(1e-3f, 0.9f, 0.999f, 1e-8f, 5e-5f, 3) };
        if (quick) settings.AddRange([new(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1), new(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 3)]);
        foreach (var adam in settings)
            cases.Add(new KernelCase("adam", $"{parameters} step {adam.Step} wd {adam.WeightDecay}", 0, 28.0 * parameters, 0, Element,
                b => { b.Random("p", parameters); b.Random("g", parameters); b.Random("m", parameters, -0.1f, 0.1f); b.Random("v", parameters, 0f, 0.01f); },
                (d, b) => d.AdamStep(b["p"], b["g"], b["m"], b["v"], parameters, adam), ["p", "m", "v"])
            {
                Reference = b =>
                {
                    double[] p = new double[parameters], m = new double[parameters], v = new double[parameters];
                    float[] p0 = b.Host("p"), g = b.Host("g"), m0 = b.Host("m"), v0 = b.Host("v");
                    for (int i = 0; i < parameters; i++) (p[i], m[i], v[i]) = ReferenceOptimizers.Adam(p0[i], g[i], m0[i], v0[i], adam);
                    return Outputs(("p", p), ("m", m), ("v", v));
                },
            });
        var rms = new RmsPropSettings(1e-3f, 0.99f, 1e-8f, 0f);
        cases.Add(new KernelCase("rmsprop", $"{parameters}", 0, 20.0 * parameters, 0, Element,
            b => { b.Random("p", parameters); b.Random("g", parameters); b.Random("v", parameters, 0f, 0.01f); },
            (d, b) => d.RmsPropStep(b["p"], b["g"], b["v"], parameters, rms), ["p", "v"])
        {
            Reference = b =>
            {
                double[] p = new double[parameters], v = new double[parameters];
                float[] p0 = b.Host("p"), g = b.Host("g"), v0 = b.Host("v");
                for (int i = 0; i < parameters; i++) (p[i], v[i]) = ReferenceOptimizers.RmsProp(p0[i], g[i], v0[i], rms);
                return Outputs(("p", p), ("v", v));
            },
        });
    }
}

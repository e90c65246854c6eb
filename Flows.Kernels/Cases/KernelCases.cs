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
public static class KernelCases
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
            foreach (int version in new[] { 1, 2 })
                AddConv(cases, g, version);
        if (quick)
            foreach (int version in new[] { 1, 2 })
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
            foreach (int version in new[] { 1, 2 })
                AddConv(cases, g, version);
        var pools = quick
            ? new[] { new PoolGeometry(2, 3, 7, 8, 3, 2, 1), new PoolGeometry(2, 3, 8, 8, 2, 2, 0) }
            : new[] { new PoolGeometry(32, 64, 32, 32, 3, 2, 1) };
        foreach (var g in pools) AddMaxPool(cases, g);

        var (m, k, n) = quick ? (33, 20, 70) : (1024, 1024, 1024);
        // Every transpose and the accumulating form on small shapes; the two the engine runs most at full size.
        var products = quick
            ? new[] { (false, false, false), (true, false, false), (false, true, false), (true, true, false), (false, false, true) }
            : new[] { (false, false, false), (true, false, false) };
        foreach (int version in new[] { 1, 2 })
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
        foreach (int version in new[] { 1, 2 })
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

    private static void AddMaxPool(List<KernelCase> cases, PoolGeometry g)
    {
        void Inputs(CaseBuffers b)
        {
            b.Random("x", g.InputLength);
            b.Random("dy", g.OutputLength);
        }
        // Backward reads x and y (to find each window's first maximum) and dy, and writes dx.
        cases.Add(new KernelCase("maxpool2d forward", Show(g), 0, 4.0 * (g.InputLength + g.OutputLength), 0, Element,
            b => { Inputs(b); b.Output("y", g.OutputLength); },
            (d, b) => d.MaxPool2dForward(b["x"], b["y"], g), ["y"])
        {
            Reference = b => Outputs(("y", ReferencePooling.MaxPoolForward(b.Host("x"), g))),
        });
        cases.Add(new KernelCase("maxpool2d backward", Show(g), 0, 4.0 * (2 * g.InputLength + 2 * g.OutputLength), 0, Element,
            b =>
            {
                Inputs(b);
                b.Output("y", g.OutputLength);
                b.Output("dx", g.InputLength);
                b.Backend.MaxPool2dForward(b["x"], b["y"], g); // each backend's own y, so only backward is timed
            },
            (d, b) => d.MaxPool2dBackward(b["x"], b["y"], b["dy"], b["dx"], g), ["dx"])
        {
            Reference = b => Outputs(("dx", ReferencePooling.MaxPoolBackward(b.Host("x"), b.Host("dy"), g))),
        });
    }

    private static void AddConv(List<KernelCase> cases, ConvGeometry g, int version, bool bias = true)
    {
        string shape = Show(g) + (bias ? "" : " no bias");
        double bytes = 4.0 * (g.InputLength + g.WeightLength + g.OutputLength);
        void Inputs(CaseBuffers b)
        {
            b.Random("x", g.InputLength);
            b.Random("w", g.WeightLength, -0.1f, 0.1f);
            b.Random("bias", g.OutChannels);
            b.Random("dy", g.OutputLength);
        }
        cases.Add(new KernelCase("conv2d forward", shape, version, bytes, g.Flops, Reduction,
            b => { Inputs(b); b.Output("y", g.OutputLength); },
            (d, b) => d.Conv2dForward(b["x"], b["w"], bias ? b["bias"] : null, b["y"], g), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceLinear.ConvForward(b.Host("x"), b.Host("w"), bias ? b.Host("bias") : null, g))),
        });
        cases.Add(new KernelCase("conv2d backward-data", shape, version, bytes, g.Flops, Reduction,
            b => { Inputs(b); b.Output("dx", g.InputLength); },
            (d, b) => d.Conv2dBackwardData(b["dy"], b["w"], b["dx"], g), ["dx"])
        {
            Reference = b => Outputs(("dx", ReferenceLinear.ConvBackwardData(b.Host("dy"), b.Host("w"), g))),
        });
        cases.Add(new KernelCase("conv2d backward-weight", shape, version, bytes, g.Flops, Reduction,
            b => { Inputs(b); b.Output("dw", g.WeightLength); },
            (d, b) => d.Conv2dBackwardWeight(b["x"], b["dy"], b["dw"], g), ["dw"])
        {
            Reference = b => Outputs(("dw", ReferenceLinear.ConvBackwardWeight(b.Host("x"), b.Host("dy"), g))),
        });
    }

    private static void AddCoupling(List<KernelCase> cases, Ncs s, bool masked)
    {
        string shape = Show(s) + (masked ? " masked" : "");
        void Inputs(CaseBuffers b)
        {
            b.Random("x", s.Length);
            b.Random("raw", s.Length, -2f, 2f);
            b.Random("t", s.Length);
            b.Random("scale", s.C, 0.5f, 1.5f);
            b.Random("dy", s.Length);
            b.Random("dlogdet", s.N);
            if (masked) b.Values("mask", Enumerable.Range(0, s.C * s.S).Select(i => (float)((i + i / 28) % 2)).ToArray());
        }
        DeviceBuffer? Mask(CaseBuffers b) => masked ? b["mask"] : null;
        float[]? HostMask(CaseBuffers b) => masked ? b.Host("mask") : null;
        cases.Add(new KernelCase("coupling forward", shape, 0, 4.0 * (4 * s.Length + s.N), 0, Reduction,
            b => { Inputs(b); b.Output("y", s.Length); b.Output("logdet", s.N); },
            (d, b) => d.CouplingForward(b["x"], b["raw"], b["t"], b["scale"], Mask(b), b["y"], b["logdet"], s), ["y", "logdet"])
        {
            Reference = b =>
            {
                var (y, logdet) = ReferenceFlowLayers.Coupling(b.Host("x"), b.Host("raw"), b.Host("t"), b.Host("scale"), HostMask(b), s, inverse: false);
                return Outputs(("y", y), ("logdet", logdet));
            },
        });
        cases.Add(new KernelCase("coupling inverse", shape, 0, 4.0 * (4 * s.Length + s.N), 0, Reduction,
            b => { Inputs(b); b.Output("x2", s.Length); b.Output("logdet", s.N); },
            (d, b) => d.CouplingInverse(b["x"], b["raw"], b["t"], b["scale"], Mask(b), b["x2"], b["logdet"], s), ["x2", "logdet"])
        {
            Reference = b =>
            {
                var (x2, logdet) = ReferenceFlowLayers.Coupling(b.Host("x"), b.Host("raw"), b.Host("t"), b.Host("scale"), HostMask(b), s, inverse: true);
                return Outputs(("x2", x2), ("logdet", logdet));
            },
        });
        cases.Add(new KernelCase("coupling backward", shape, 0, 4.0 * (7 * s.Length + s.N), 0, Reduction,
            b => { Inputs(b); b.Output("dx", s.Length); b.Output("draw", s.Length); b.Output("dt", s.Length); b.Output("dscale", s.C); },
            (d, b) => d.CouplingBackward(b["x"], b["raw"], b["t"], b["scale"], Mask(b), b["dy"], b["dlogdet"],
                                         b["dx"], b["draw"], b["dt"], b["dscale"], s), ["dx", "draw", "dt", "dscale"])
        {
            Reference = b =>
            {
                var (dx, draw, dt, dscale) = ReferenceFlowLayers.CouplingBackward(b.Host("x"), b.Host("raw"), b.Host("t"), b.Host("scale"),
                                                                                  HostMask(b), b.Host("dy"), b.Host("dlogdet"), s);
                return Outputs(("dx", dx), ("draw", draw), ("dt", dt), ("dscale", dscale));
            },
        });
    }

    private static void AddNormalization(List<KernelCase> cases, Ncs s)
    {
        void Inputs(CaseBuffers b)
        {
            b.Random("x", s.Length, -2f, 3f);
            b.Random("mean", s.C);
            b.Random("invStd", s.C, 0.5f, 2f);
            b.Random("gamma", s.C, 0.5f, 1.5f);
            b.Random("beta", s.C);
            b.Random("dy", s.Length);
        }
        cases.Add(new KernelCase("batchnorm apply", Show(s), 0, 8.0 * s.Length, 0, Element,
            b => { Inputs(b); b.Output("y", s.Length); },
            (d, b) => d.BatchNormApply(b["x"], b["mean"], b["invStd"], b["gamma"], b["beta"], b["y"], s), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceFlowLayers.BatchNormApply(b.Host("x"), b.Host("mean"), b.Host("invStd"), b.Host("gamma"),
                                                                             b.Host("beta"), s))),
        });
        cases.Add(new KernelCase("batchnorm backward (batch stats)", Show(s), 0, 20.0 * s.Length, 0, Reduction,
            b => { Inputs(b); b.Output("dx", s.Length); b.Output("dgamma", s.C); b.Output("dbeta", s.C); },
            (d, b) => d.BatchNormBackward(b["x"], b["mean"], b["invStd"], b["gamma"], b["dy"], b["dx"], b["dgamma"], b["dbeta"], s, true),
            ["dx", "dgamma", "dbeta"]));
        cases.Add(new KernelCase("batchnorm backward (running stats)", Show(s), 0, 16.0 * s.Length, 0, Reduction,
            b => { Inputs(b); b.Output("dx", s.Length); b.Output("dgamma", s.C); b.Output("dbeta", s.C); },
            (d, b) => d.BatchNormBackward(b["x"], b["mean"], b["invStd"], b["gamma"], b["dy"], b["dx"], b["dgamma"], b["dbeta"], s, false),
            ["dx", "dgamma", "dbeta"])
        {
            Reference = b =>
            {
                var (dx, dgamma, dbeta) = ReferenceFlowLayers.BatchNormBackward(b.Host("x"), b.Host("mean"), b.Host("invStd"), b.Host("gamma"),
                                                                                b.Host("dy"), s, batchStatistics: false);
                return Outputs(("dx", dx), ("dgamma", dgamma), ("dbeta", dbeta));
            },
        });
        cases.Add(new KernelCase("batchnorm + relu apply", Show(s), 0, 8.0 * s.Length, 0, Element,
            b => { Inputs(b); b.Output("y", s.Length); },
            (d, b) => d.BatchNormApply(b["x"], b["mean"], b["invStd"], b["gamma"], b["beta"], b["y"], s, relu: true), ["y"])
        {
            Reference = b => Outputs(("y", Array.ConvertAll(ReferenceFlowLayers.BatchNormApply(b.Host("x"), b.Host("mean"), b.Host("invStd"),
                                                                                              b.Host("gamma"), b.Host("beta"), s), v => Math.Max(v, 0)))),
        });
        cases.Add(new KernelCase("batchnorm + relu backward", Show(s), 0, 24.0 * s.Length, 0, Reduction,
            b => { Inputs(b); b.Random("out", s.Length); b.Output("dx", s.Length); b.Output("dgamma", s.C); b.Output("dbeta", s.C); },
            (d, b) => d.BatchNormBackward(b["x"], b["mean"], b["invStd"], b["gamma"], b["dy"], b["dx"], b["dgamma"], b["dbeta"], s, true, b["out"]),
            ["dx", "dgamma", "dbeta"]));
        cases.Add(new KernelCase("batchnorm + relu backward (running stats)", Show(s), 0, 20.0 * s.Length, 0, Reduction,
            b => { Inputs(b); b.Random("out", s.Length); b.Output("dx", s.Length); b.Output("dgamma", s.C); b.Output("dbeta", s.C); },
            (d, b) => d.BatchNormBackward(b["x"], b["mean"], b["invStd"], b["gamma"], b["dy"], b["dx"], b["dgamma"], b["dbeta"], s, false, b["out"]),
            ["dx", "dgamma", "dbeta"]));
        cases.Add(new KernelCase("channel moments", Show(s), 0, 4.0 * s.Length, 0, Reduction,
            b => { Inputs(b); b.Output("m", s.C); b.Output("v", s.C); },
            (d, b) => d.ChannelMoments(b["x"], s, b["m"], b["v"]), ["m", "v"])
        {
            Reference = b =>
            {
                var (mean, variance) = ReferenceReductions.ChannelMoments(b.Host("x"), s);
                return Outputs(("m", mean), ("v", variance));
            },
        });
    }

    private static void AddActNorm(List<KernelCase> cases, Ncs s)
    {
        void Inputs(CaseBuffers b)
        {
            b.Random("x", s.Length);
            b.Random("bias", s.C);
            b.Random("logScale", s.C, -0.5f, 0.5f);
            b.Random("dy", s.Length);
        }
        cases.Add(new KernelCase("actnorm forward", Show(s), 0, 8.0 * s.Length, 0, Element,
            b => { Inputs(b); b.Output("y", s.Length); },
            (d, b) => d.ActNormForward(b["x"], b["bias"], b["logScale"], b["y"], s), ["y"])
        {
            Reference = b => Outputs(("y", ReferenceFlowLayers.ActNorm(b.Host("x"), b.Host("bias"), b.Host("logScale"), s, inverse: false))),
        });
        cases.Add(new KernelCase("actnorm inverse", Show(s), 0, 8.0 * s.Length, 0, Element,
            b => { Inputs(b); b.Output("x2", s.Length); },
            (d, b) => d.ActNormInverse(b["x"], b["bias"], b["logScale"], b["x2"], s), ["x2"])
        {
            Reference = b => Outputs(("x2", ReferenceFlowLayers.ActNorm(b.Host("x"), b.Host("bias"), b.Host("logScale"), s, inverse: true))),
        });
        cases.Add(new KernelCase("actnorm backward", Show(s), 0, 12.0 * s.Length, 0, Reduction,
            b => { Inputs(b); b.Output("dx", s.Length); b.Output("db", s.C); b.Output("dls", s.C); },
            (d, b) => d.ActNormBackward(b["x"], b["bias"], b["logScale"], b["dy"], b["dx"], b["db"], b["dls"], s), ["dx", "db", "dls"])
        {
            Reference = b =>
            {
                var (dx, dbias, dlogScale) = ReferenceFlowLayers.ActNormBackward(b.Host("x"), b.Host("bias"), b.Host("logScale"), b.Host("dy"), s);
                return Outputs(("dx", dx), ("db", dbias), ("dls", dlogScale));
            },
        });
    }

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
            b => { b.Random("a", count); b.Random("t", count, -6f, 6f); b.Random("h", count); b.Random("dy", count);
                   b.Output("da", count); b.Output("dt", count); b.Output("dh", count); },
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
        cases.Add(new KernelCase("fill normal (RNG)", $"{count}", 0, 4.0 * count, 0, Element,
            b => b.Output("z", count),
            (d, b) => d.FillNormal(b["z"], count, 42, 7), ["z"])
        {
            Reference = b => Outputs(("z", Enumerable.Range(0, count).Select(i => (double)CounterRng.Normal(42, 7 + (ulong)i)).ToArray())),
        });
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

using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>Convolution and max-pool rows: forward and both gradients, with their plain-loop references.</summary>
public static partial class KernelCases
{
    /// <summary>The GEMM/convolution kernel versions every GEMM row runs under (IlgpuBackend.GemmVersion).</summary>
    private static readonly int[] GemmVersions = [1, 2, 3];

    /// <summary>
    /// Extra convolution rows for v3 (issue 13 item 5). Small: the paper models' convolution classes at their real
    /// channel counts but batch 1–2 and small images, and sizes that leave partial 128-wide tiles in M and N and a
    /// partial 8-deep step in K, under v3 only (v1 and v2 are covered by the shared rows above; the 7×7/2 stem class
    /// is the shared strided row, whose 64-channel form costs the simulator half a minute). Paper: Glow's
    /// st-network at 14×14, batch 32, where 128×128 tiles alone would not fill the device, under v1, v2 and v3.
    /// </summary>
    private static void AddConvV3Classes(List<KernelCase> cases, bool quick)
    {
        if (quick)
        {
            var shapes = new[]
            {
                ConvGeometry.Same(1, 64, 6, 6, 64, 3),        // RealNVP st-network 3×3 at 64 channels
                ConvGeometry.Same(1, 200, 5, 5, 200, 1),      // Glow st-network 1×1 at 200 channels: the dense path
                ConvGeometry.Same(2, 2, 5, 7, 200, 3),        // Glow st-network input 3×3: K = 18, M = 200 (a partial tile)
                ConvGeometry.Same(1, 200, 5, 5, 4, 3),        // Glow st-network output 3×3: M = 4, K = 1800 (split-K)
                new ConvGeometry(1, 64, 5, 5, 128, 3, 1, 2),  // ResNet-18 stage entry 3×3/2
                new ConvGeometry(1, 64, 5, 5, 128, 1, 0, 2),  // its 1×1/2 shortcut (strided: the table path)
                ConvGeometry.Same(2, 5, 9, 9, 130, 3),        // M = 130, N = 162, K = 45: no size a tile multiple
            };
            foreach (var g in shapes) AddConv(cases, g, version: 3);
            return;
        }
        var glow = new[]
        {
            ConvGeometry.Same(32, 2, 14, 14, 200, 3), ConvGeometry.Same(32, 200, 14, 14, 200, 1), ConvGeometry.Same(32, 200, 14, 14, 4, 3),
        };
        foreach (var g in glow)
            foreach (int version in GemmVersions)
                AddConv(cases, g, version);
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
        if (!bias) return;
        cases.Add(new KernelCase("conv2d backward-weight+bias", shape, version, bytes, g.Flops, Reduction,
            b => { Inputs(b); b.Output("dw", g.WeightLength); b.Output("db", g.OutChannels); },
            (d, b) => d.Conv2dBackwardWeightAndBias(b["x"], b["dy"], b["dw"], b["db"], g), ["dw", "db"])
        {
            Reference = b => Outputs(("dw", ReferenceLinear.ConvBackwardWeight(b.Host("x"), b.Host("dy"), g)),
                                     ("db", ReferenceLinear.ConvBiasGradient(b.Host("dy"), g))),
        });
    }

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
}

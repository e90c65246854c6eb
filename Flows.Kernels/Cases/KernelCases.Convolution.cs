using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>Convolution and max-pool rows: forward and both gradients, with their plain-loop references.</summary>
public static partial class KernelCases
{
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

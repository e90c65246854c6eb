using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>Rows of Glow's fused step ops: the broadcast log-determinant and the channel-wise coupling, both halves.</summary>
public static partial class KernelCases
{
    private static void AddGlowStep(List<KernelCase> cases, bool quick)
    {
        foreach (var (count, length, withAddend) in new[] { (quick ? 5 : 48, quick ? 3 : 64, false), (1, quick ? 4 : 64, true) })
            cases.Add(new KernelCase("broadcast scaled sum" + (withAddend ? " + addend" : ""), $"{count}→{length}", 0,
                4.0 * (count + (withAddend ? 2 : 1) * length), (double)count * length, Reduction,
                b =>
                {
                    b.Random("x", count);
                    b.Random("addend", length);
                    b.Output("y", length);
                },
                (d, b) => d.BroadcastScaledSum(b["x"], count, 196f, withAddend ? b["addend"] : null, b["y"], length), ["y"])
            {
                Reference = b => Outputs(("y", ReferenceGlowStep.BroadcastScaledSum(b.Host("x"), count, 196f, withAddend ? b.Host("addend") : null, length))),
            });

        var (batch, channels, offset0, added, spatial) = quick ? (2, 6, 3, 3, 9) : (64, 16, 8, 8, 196);
        cases.Add(new KernelCase("add into channels", $"N{batch} {added} of C{channels} at {offset0} S{spatial}", 0,
            4.0 * (3 * batch * added * spatial), batch * added * spatial, Element,
            b =>
            {
                b.Random("source", batch * added * spatial);
                b.Random("destination", batch * channels * spatial);
            },
            (d, b) => d.AddChannels(b["source"], added, b["destination"], channels, offset0, batch, spatial), ["destination"])
        {
            Reference = b => Outputs(("destination", ReferenceGlowStep.AddChannels(b.Host("source"), added, b.Host("destination"), channels, offset0,
                                                                                   batch, spatial))),
        });

        var s = quick ? new Ncs(2, 6, 9) : new Ncs(64, 16, 196);
        foreach (int offset in new[] { 0, s.C / 2 })
        {
            string shape = $"{Show(s)} change at {offset}";
            void Inputs(CaseBuffers b)
            {
                b.Random("x", s.Length);
                b.Random("st", s.Length, -2f, 2f);
                b.Random("scale", s.C / 2, 0.5f, 1.5f);
                b.Random("dy", s.Length);
                b.Random("dlogdet", s.N);
                b.Random("addend", s.N, -5f, 5f);
            }
            // The forward with the running log-det added on the first half's rows, the inverse without.
            foreach (bool inverse in new[] { false, true })
                cases.Add(new KernelCase(inverse ? "channel coupling inverse" : "channel coupling forward + addend", shape, 0, 4.0 * (3 * s.Length + s.N), 0, Reduction,
                    b => { Inputs(b); b.Output("y", s.Length); b.Output("logdet", s.N); },
                    (d, b) => d.ChannelCouplingForward(b["x"], b["st"], b["scale"], inverse ? null : b["addend"], b["y"], b["logdet"], s, offset, inverse),
                    ["y", "logdet"])
                {
                    Reference = b =>
                    {
                        var (y, logdet) = ReferenceGlowStep.ChannelCoupling(b.Host("x"), b.Host("st"), b.Host("scale"), inverse ? null : b.Host("addend"),
                                                                            s, offset, inverse);
                        return Outputs(("y", y), ("logdet", logdet));
                    },
                });
            cases.Add(new KernelCase("channel coupling backward", shape, 0, 4.0 * (5 * s.Length + s.N), 0, Reduction,
                b => { Inputs(b); b.Output("dx", s.Length); b.Output("dst", s.Length); b.Output("dscale", s.C / 2); },
                (d, b) => d.ChannelCouplingBackward(b["x"], b["st"], b["scale"], b["dy"], b["dlogdet"], b["dx"], b["dst"], b["dscale"], s, offset),
                ["dx", "dst", "dscale"])
            {
                Reference = b =>
                {
                    var (dx, dst, dscale) = ReferenceGlowStep.ChannelCouplingBackward(b.Host("x"), b.Host("st"), b.Host("scale"),
                                                                                       b.Host("dy"), b.Host("dlogdet"), s, offset);
                    return Outputs(("dx", dx), ("dst", dst), ("dscale", dscale));
                },
            });
        }
    }
}

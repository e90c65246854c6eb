using Flows.Kernels.Reference;

namespace Flows.Kernels.Cases;

/// <summary>Affine coupling, BatchNorm and ActNorm rows, forward, inverse and backward.</summary>
public static partial class KernelCases
{
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
}

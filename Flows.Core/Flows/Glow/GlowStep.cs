using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>One Glow step (docs/MODELS.md §4.8): ActNorm → invertible 1×1 conv → affine coupling with a channel-wise mask.</summary>
public sealed class GlowStep : FlowSequence
{
    public GlowStep(IComputeBackend backend, ActNorm actNorm, InvertibleConv1x1 conv, AffineCoupling coupling) : base(backend)
    {
        ActNorm = Add("actnorm", actNorm);
        Conv = Add("invconv", conv);
        Coupling = Add("coupling", coupling);
    }

    public ActNorm ActNorm { get; }
    public InvertibleConv1x1 Conv { get; }
    public AffineCoupling Coupling { get; }

    public override string Describe() => $"GlowStep({ActNorm.Describe()}, {Conv.Describe()}, {Coupling.Describe()})";
}

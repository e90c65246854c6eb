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

    /// <summary>
    /// In a training step (recording, checks deferred) the three log-dets accumulate in place: ActNorm's S·Σ logs, then
    /// the 1×1 conv adds S·log|det W| and the coupling adds Σ s inside their own launches, where the sequence's two adds
    /// cost two launches each way (docs/PERFORMANCE.md, "Launches and host synchronisations per step"). The sums and their
    /// order are FlowSequence.Chain's, so values are unchanged. Elsewhere (no-grad passes that free intermediates early,
    /// checks at once that name the layer) the sequence runs as usual.
    /// </summary>
    public override FlowOutput Forward(Tensor x)
    {
        if (!Autograd.IsRecording || !LogDets.ChecksDeferredOn(x.Buffer.Backend)) return base.Forward(x);
        var (normalized, logdet) = ActNorm.Forward(x);
        var (mixed, mixedLogdet) = Conv.Forward(normalized, logdet);
        return Coupling.Forward(mixed, mixedLogdet);
    }

    public override string Describe() => $"GlowStep({ActNorm.Describe()}, {Conv.Describe()}, {Coupling.Describe()})";
}

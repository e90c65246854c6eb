using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// torch.optim.AdamW, as train_unsup_ood.py offers it (docs/MODELS.md §5.2): decoupled weight decay. Each step first
/// shrinks the parameter, θ ← θ·(1 − lr·wd), then takes the Adam step without any decay in the gradient:
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − lr·m̂/(√v̂ + ε). The two passes are PyTorch's own order
/// (param.mul_ before the moment updates), so the Adam kernel of both backends serves unchanged.
/// </summary>
public sealed class AdamW : Optimizer
{
    private static readonly string[] Slots = ["m", "v"];

    public AdamW(IEnumerable<ParameterGroup> groups, float learningRate = 1e-3f,
                 float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(groups, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentException($"adamw: betas must lie in [0, 1), got ({beta1}, {beta2})");
        if (!(epsilon >= 0)) throw new ArgumentException($"adamw: epsilon must be non-negative, got {epsilon}");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>One group holding every given parameter.</summary>
    public AdamW(IEnumerable<Parameter> parameters, float learningRate = 1e-3f, float weightDecay = 0f)
        : this([new ParameterGroup(parameters, weightDecay, name: "all")], learningRate)
    {
    }

    public override string Kind => "adamw";
    protected override string[] SlotNames => Slots;

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    /// <summary>The factor 1 − lr·wd of the decoupled decay, formed in double as PyTorch forms it from Python floats.</summary>
    public static float DecayFactor(float learningRate, float weightDecay) => (float)(1.0 - (double)learningRate * weightDecay);

    protected override void Update(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay)
    {
        if (weightDecay != 0)
            p.Backend.Unary(UnaryOp.Scale, p.Buffer, p.Buffer, p.Length, DecayFactor(learningRate, weightDecay));
        p.Backend.AdamStep(p.Buffer, g.Buffer, slots[0].Buffer, slots[1].Buffer, p.Length,
                           new AdamSettings(learningRate, Beta1, Beta2, Epsilon, 0f, step));
    }

    protected override void WriteStepScalars(Span<float> host, int group, int step, float learningRate, float weightDecay) =>
        StepScalars.WriteAdam(host, group, new AdamSettings(learningRate, Beta1, Beta2, Epsilon, 0f, step),
                              weightDecay != 0 ? DecayFactor(learningRate, weightDecay) : 1f);

    protected override void MultiTensorUpdate(IComputeBackend backend, DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[][] slots,
                                              int[] counts, int[] groupOf, int groups, MultiStepGuard guard) =>
        backend.AdamStepMulti(parameters, gradients, slots[0], slots[1], counts, groupOf, groups, Beta1, Beta2, Epsilon, guard);

    // The decay is applied inside the guarded kernel, so a skipped (diverged) step does not decay the weights either.
    protected override void GuardedUpdate(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay, StepGuard guard) =>
        p.Backend.AdamStepGuarded(p.Buffer, g.Buffer, slots[0].Buffer, slots[1].Buffer, p.Length,
                                  new AdamSettings(learningRate, Beta1, Beta2, Epsilon, 0f, step),
                                  weightDecay != 0 ? DecayFactor(learningRate, weightDecay) : 1f, guard);
}

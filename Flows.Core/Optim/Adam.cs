using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// torch.optim.Adam with coupled L2 weight decay (g ← g + wd·θ), the bias-corrected moments of each
/// parameter's own step count, and defaults β = (0.9, 0.999), ε = 1e-8 (docs/MODELS.md §5.2).
/// </summary>
public sealed class Adam : Optimizer
{
    private static readonly string[] Slots = ["m", "v"];

    public Adam(IEnumerable<ParameterGroup> groups, float learningRate = 1e-3f,
                float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(groups, learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentException($"adam: betas must lie in [0, 1), got ({beta1}, {beta2})");
        if (!(epsilon >= 0)) throw new ArgumentException($"adam: epsilon must be non-negative, got {epsilon}");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>One group holding every given parameter.</summary>
    public Adam(IEnumerable<Parameter> parameters, float learningRate = 1e-3f, float weightDecay = 0f)
        : this([new ParameterGroup(parameters, weightDecay, name: "all")], learningRate)
    {
    }

    public override string Kind => "adam";
    protected override string[] SlotNames => Slots;

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    protected override void Update(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay) =>
        p.Backend.AdamStep(p.Buffer, g.Buffer, slots[0].Buffer, slots[1].Buffer, p.Length,
                           new AdamSettings(learningRate, Beta1, Beta2, Epsilon, weightDecay, step));

    protected override void WriteStepScalars(Span<float> host, int group, int step, float learningRate, float weightDecay) =>
        StepScalars.WriteAdam(host, group, new AdamSettings(learningRate, Beta1, Beta2, Epsilon, weightDecay, step), 1f);

    protected override void MultiTensorUpdate(IComputeBackend backend, DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[][] slots,
                                              int[] counts, int[] groupOf, int groups, MultiStepGuard guard) =>
        backend.AdamStepMulti(parameters, gradients, slots[0], slots[1], counts, groupOf, groups, Beta1, Beta2, Epsilon, guard);

    protected override void GuardedUpdate(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay, StepGuard guard) =>
        p.Backend.AdamStepGuarded(p.Buffer, g.Buffer, slots[0].Buffer, slots[1].Buffer, p.Length,
                                  new AdamSettings(learningRate, Beta1, Beta2, Epsilon, weightDecay, step), 1f, guard);
}

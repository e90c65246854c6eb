using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// torch.optim.RMSprop as the paper's Glow runs use it (docs/MODELS.md §5.2): α = 0.99, ε = 1e-8, no momentum,
/// not centered, coupled L2 weight decay: v ← αv + (1−α)g², θ ← θ − lr·g/(√v + ε).
/// </summary>
public sealed class RmsProp : Optimizer
{
    private static readonly string[] Slots = ["square_avg"];

    public RmsProp(IEnumerable<ParameterGroup> groups, float learningRate = 1e-2f, float alpha = 0.99f, float epsilon = 1e-8f)
        : base(groups, learningRate)
    {
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentException($"rmsprop: alpha must lie in [0, 1], got {alpha}");
        if (!(epsilon >= 0)) throw new ArgumentException($"rmsprop: epsilon must be non-negative, got {epsilon}");
        Alpha = alpha;
        Epsilon = epsilon;
    }

    /// <summary>One group holding every given parameter.</summary>
    public RmsProp(IEnumerable<Parameter> parameters, float learningRate = 1e-2f, float weightDecay = 0f)
        : this([new ParameterGroup(parameters, weightDecay, name: "all")], learningRate)
    {
    }

    public override string Kind => "rmsprop";
    protected override string[] SlotNames => Slots;

    public float Alpha { get; }
    public float Epsilon { get; }

    protected override void Update(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay) =>
        p.Backend.RmsPropStep(p.Buffer, g.Buffer, slots[0].Buffer, p.Length,
                              new RmsPropSettings(learningRate, Alpha, Epsilon, weightDecay));

    protected override void WriteStepScalars(Span<float> host, int group, int step, float learningRate, float weightDecay) =>
        StepScalars.WriteRmsProp(host, group, new RmsPropSettings(learningRate, Alpha, Epsilon, weightDecay));

    protected override void MultiTensorUpdate(IComputeBackend backend, DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[][] slots,
                                              int[] counts, int[] groupOf, int groups, MultiStepGuard guard) =>
        backend.RmsPropStepMulti(parameters, gradients, slots[0], counts, groupOf, groups, Alpha, Epsilon, guard);

    protected override void GuardedUpdate(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay, StepGuard guard) =>
        p.Backend.RmsPropStepGuarded(p.Buffer, g.Buffer, slots[0].Buffer, p.Length,
                                     new RmsPropSettings(learningRate, Alpha, Epsilon, weightDecay), guard);
}

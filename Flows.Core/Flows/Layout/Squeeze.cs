using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The 2×2 squeeze (docs/MODELS.md §4.2): [N, C, H, W] → [N, 4C, H/2, W/2] with output channel 4c + 2dy + dx,
/// the original's order (not chrischute's). Volume-preserving: log|det J| = 0.
/// </summary>
public sealed class Squeeze : FlowLayer
{
    public Squeeze(IComputeBackend backend) : base(backend) { }

    public override FlowOutput Forward(Tensor x)
    {
        OutputShape(x.Shape[1..]);
        return new FlowOutput(Ops.Squeeze2x2(x), LogDets.Zeros(Backend, x.Shape[0]));
    }

    public override FlowOutput Inverse(Tensor y)
    {
        if (y.Rank != 4 || y.Shape[1] % 4 != 0)
            throw new ArgumentException($"{Name}: unsqueeze needs [N, 4C, H, W], got {Shapes.Format(y.Shape)}");
        return new FlowOutput(Ops.Unsqueeze2x2(y), LogDets.Zeros(Backend, y.Shape[0]));
    }

    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[1] % 2 != 0 || inputShape[2] % 2 != 0)
            throw new ArgumentException($"{Name}: cannot squeeze per-sample shape {Shapes.Format(inputShape)}: height and width must be even");
        return [inputShape[0] * 4, inputShape[1] / 2, inputShape[2] / 2];
    }

    public override string Describe() => "Squeeze2x2";
}

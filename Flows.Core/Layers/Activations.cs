using Flows.Kernels;

namespace Flows.Core;

/// <summary>nn.ReLU: max(x, 0).</summary>
public sealed class ReLU(IComputeBackend backend) : Module(backend), ILayer
{
    public Tensor Forward(Tensor x) => Ops.Relu(x);
}

/// <summary>nn.LeakyReLU: x for x ≥ 0, slope·x below (PyTorch's default slope 0.01).</summary>
public sealed class LeakyReLU(IComputeBackend backend, float negativeSlope = 0.01f) : Module(backend), ILayer
{
    public float NegativeSlope { get; } = negativeSlope;

    public Tensor Forward(Tensor x) => Ops.LeakyRelu(x, NegativeSlope);
}

/// <summary>nn.Tanh.</summary>
public sealed class Tanh(IComputeBackend backend) : Module(backend), ILayer
{
    public Tensor Forward(Tensor x) => Ops.Tanh(x);
}

/// <summary>nn.Sigmoid: 1 / (1 + e⁻ˣ).</summary>
public sealed class Sigmoid(IComputeBackend backend) : Module(backend), ILayer
{
    public Tensor Forward(Tensor x) => Ops.Sigmoid(x);
}

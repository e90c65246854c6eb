namespace Flows.Core.Flows;

/// <summary>
/// What one coupling layer did during a recorded pass (docs/MODELS.md §7.2). All tensors are at the layer's own
/// resolution and belong to the recorder. <see cref="LogScale"/> and <see cref="Shift"/> are full-size s and t
/// (zero where the layer transforms nothing; show exp(LogScale)). <see cref="Position"/> is the index of the
/// body step of a <see cref="MultiScaleFlow"/> that holds the layer (−1 outside one) and <see cref="Factored"/>
/// the latent pieces factored out before it: pass both to <see cref="MultiScaleFlow.ToImageLayout"/>.
/// </summary>
public sealed record CouplingTrace(
    string Layer, int Position, Tensor Input, Tensor Output, Tensor LogScale, Tensor Shift, IReadOnlyList<Tensor> Factored);

using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Layers applied one after another; the log-determinants add up. Children are named "0", "1", ….
/// <see cref="Chain"/> is the one loop that does it: the multi-scale body runs it between its factor-outs, and
/// <see cref="FlowWalk"/> runs it with a step that records every layer's log-determinant.
/// </summary>
public class FlowSequence : FlowLayer, ICompositeFlow
{
    private readonly List<FlowLayer> _layers = new();

    public FlowSequence(IComputeBackend backend, IEnumerable<FlowLayer> layers) : base(backend)
    {
        foreach (var layer in layers) Add(null, layer);
    }

    protected FlowSequence(IComputeBackend backend) : base(backend) { }

    public IReadOnlyList<FlowLayer> Layers => _layers;

    IEnumerable<FlowLayer> ICompositeFlow.Layers => _layers;

    /// <summary>Registers a layer under the given name (or its index, when the name is null).</summary>
    protected T Add<T>(string? name, T layer) where T : FlowLayer
    {
        AddModule(name ?? _layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return layer;
    }

    public override FlowOutput Forward(Tensor x) => Forward(x, FlowWalk.Plain);

    public FlowOutput Forward(Tensor x, FlowStep step)
    {
        var (y, total) = Chain(_layers, x, null, step);
        return new FlowOutput(y, total ?? LogDets.Zeros(Backend, y.Shape[0]));
    }

    public override FlowOutput Inverse(Tensor y)
    {
        var (x, total) = ChainInverse(_layers, y, null, FlowWalk.PlainInverse);
        return new FlowOutput(x, total ?? LogDets.Zeros(Backend, x.Shape[0]));
    }

    /// <summary>
    /// Runs layers in order from x, adding each one's log-determinant to <paramref name="total"/> from the left
    /// (null: nothing yet), so the sum has the same rounding however the layers are grouped into calls.
    /// </summary>
    /// <remarks>
    /// Under no-grad, a plain pass frees each intermediate once the next layer has read it (<see cref="NoGradLifetime"/>);
    /// <paramref name="owned"/> (default: x) belongs to the caller and is never freed.
    /// </remarks>
    public static (Tensor Value, Tensor? LogDet) Chain(IReadOnlyList<FlowLayer> layers, Tensor x, Tensor? total, FlowStep step,
                                                       Tensor? owned = null)
    {
        owned ??= x;
        foreach (var layer in layers)
        {
            var (y, logdet) = NoGradLifetime.Step(step, layer, x, owned);
            total = total is null ? logdet : Ops.Add(total, logdet);
            x = y;
        }
        return (x, total);
    }

    /// <summary>The inverse of <see cref="Chain"/>: the layers from last to first, each one's inverse.</summary>
    public static (Tensor Value, Tensor? LogDet) ChainInverse(IReadOnlyList<FlowLayer> layers, Tensor y, Tensor? total, FlowStep step,
                                                              Tensor? owned = null)
    {
        owned ??= y;
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            var (x, logdet) = NoGradLifetime.Step(step, layers[i], y, owned);
            total = total is null ? logdet : Ops.Add(total, logdet);
            y = x;
        }
        return (y, total);
    }

    public override int[] OutputShape(int[] inputShape)
    {
        foreach (var layer in _layers) inputShape = layer.OutputShape(inputShape);
        return inputShape;
    }

    public override string Describe() => $"Sequence({string.Join(", ", _layers.Select(l => l.Describe()))})";
}

using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>Layers applied one after another; the log-determinants add up. Children are named "0", "1", ….</summary>
public class FlowSequence : FlowLayer
{
    private readonly List<FlowLayer> _layers = new();

    public FlowSequence(IComputeBackend backend, IEnumerable<FlowLayer> layers) : base(backend)
    {
        foreach (var layer in layers) Add(null, layer);
    }

    protected FlowSequence(IComputeBackend backend) : base(backend) { }

    public IReadOnlyList<FlowLayer> Layers => _layers;

    /// <summary>Registers a layer under the given name (or its index, when the name is null).</summary>
    protected T Add<T>(string? name, T layer) where T : FlowLayer
    {
        AddModule(name ?? _layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return layer;
    }

    public override FlowOutput Forward(Tensor x)
    {
        Tensor? total = null;
        var input = x;
        foreach (var layer in _layers)
        {
            var (y, logdet) = NoGradLifetime.Step(layer, x, inverse: false, input);
            total = total is null ? logdet : Ops.Add(total, logdet);
            x = y;
        }
        return new FlowOutput(x, total ?? LogDets.Zeros(Backend, x.Shape[0]));
    }

    public override FlowOutput Inverse(Tensor y)
    {
        Tensor? total = null;
        var input = y;
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            var (x, logdet) = NoGradLifetime.Step(_layers[i], y, inverse: true, input);
            total = total is null ? logdet : Ops.Add(total, logdet);
            y = x;
        }
        return new FlowOutput(y, total ?? LogDets.Zeros(Backend, y.Shape[0]));
    }

    public override int[] OutputShape(int[] inputShape)
    {
        foreach (var layer in _layers) inputShape = layer.OutputShape(inputShape);
        return inputShape;
    }

    public override string Describe() => $"Sequence({string.Join(", ", _layers.Select(l => l.Describe()))})";
}

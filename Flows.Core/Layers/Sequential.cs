namespace Flows.Core;

/// <summary>
/// nn.Sequential: applies its layers in order. Children are named "0", "1", … so parameter names match
/// PyTorch's state-dict keys ("st_net.0.weight").
/// </summary>
public sealed class Sequential : Module, ILayer
{
    private readonly ILayer[] _layers;

    public Sequential(params Module[] layers)
        : base(layers.Length > 0 ? layers[0].Backend : throw new ArgumentException("Sequential: no layers given"))
    {
        _layers = new ILayer[layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is not ILayer layer)
                throw new ArgumentException($"Sequential: layer {i} ({layers[i].GetType().Name}) does not map one tensor to one tensor (ILayer)");
            if (!ReferenceEquals(layers[i].Backend, Backend))
                throw new ArgumentException($"Sequential: layer {i} ({layers[i].GetType().Name}) lives on another backend");
            _layers[i] = layer;
            AddModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
        }
    }

    public int Count => _layers.Length;

    public ILayer this[int index] => _layers[index];

    public Tensor Forward(Tensor x)
    {
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }
}

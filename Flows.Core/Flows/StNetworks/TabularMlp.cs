using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The tabular st-network (docs/MODELS.md §4.10): Linear(D, H) → ReLU → N × (Linear(H, H) → ReLU) → Linear(H, 2D).
/// Linear layers are named by their index in the original nn.Sequential (ReLUs take the odd indices).
/// With initZeros the last Linear starts at zero (the original's init_zeros), so its coupling starts as the identity.
/// </summary>
public sealed class TabularMlp : StNetwork
{
    private readonly Linear[] _linears;

    public TabularMlp(IComputeBackend backend, Random rng, int dim, int hidden, int layers, bool initZeros = false) : base(backend)
    {
        Dim = dim;
        Hidden = hidden;
        _linears = new Linear[layers + 2];
        for (int i = 0; i < _linears.Length; i++)
        {
            int inF = i == 0 ? dim : hidden;
            int outF = i == _linears.Length - 1 ? 2 * dim : hidden;
            _linears[i] = AddModule((2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                                    new Linear(backend, rng, inF, outF));
        }
        if (initZeros)
        {
            // Drawn first and then zeroed, so the random stream (and every later layer's draw) is the same either way.
            var last = _linears[^1];
            last.Weight.CopyFrom(new float[last.Weight.Length]);
            if (last.Bias is { } bias) bias.CopyFrom(new float[bias.Length]);
        }
    }

    public int Dim { get; }
    public int Hidden { get; }

    public override Tensor Forward(Tensor x)
    {
        var h = x;
        for (int i = 0; i < _linears.Length; i++)
        {
            h = _linears[i].Forward(h);
            if (i < _linears.Length - 1) h = Ops.Relu(h);
        }
        return h;
    }

    public override string Describe() => $"MLP(D {Dim}, hidden {Hidden}, layers {_linears.Length - 2})";
}

using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// RealNVPTabular (paper-spec §4.10): K affine couplings on feature vectors [N, D] with alternating halves
/// (reverse for odd i) and MLP st-networks; no dequantization, z = the output. Layers are named "body.{i}".
/// </summary>
public sealed class TabularFlow : FlowModel
{
    private readonly AffineCoupling[] _couplings;

    public TabularFlow(IComputeBackend backend, ModelConfig config, IReadOnlyList<AffineCoupling> couplings)
        : base(backend, config, [config.Dim])
    {
        _couplings = couplings.ToArray();
        for (int i = 0; i < _couplings.Length; i++) AddModule($"body.{i}", _couplings[i]);
        AssignNames();
    }

    /// <summary>Feature vectors are continuous: no dequantization, no −D·ln 256 (paper-spec §4.10).</summary>
    public override bool DiscreteData => false;

    public override FlowOutput Forward(Tensor x)
    {
        RequireData(x);
        var logdet = LogDets.Zeros(Backend, x.Shape[0]);
        var input = x;
        foreach (var c in _couplings)
        {
            var (y, ld) = NoGradLifetime.Step(c, x, inverse: false, input);
            logdet = Ops.Add(logdet, ld);
            x = y;
        }
        return new FlowOutput(x, logdet);
    }

    public override FlowOutput Inverse(Tensor z)
    {
        RequireLatent(z);
        var logdet = LogDets.Zeros(Backend, z.Shape[0]);
        var input = z;
        for (int i = _couplings.Length - 1; i >= 0; i--)
        {
            var (x, ld) = NoGradLifetime.Step(_couplings[i], z, inverse: true, input);
            logdet = Ops.Add(logdet, ld);
            z = x;
        }
        return new FlowOutput(z, logdet);
    }

    public override string Describe() => $"TabularFlow(D {Config.Dim}, {_couplings.Length} couplings)";
}

using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// One inspection pass: eval mode, no gradients, and the dequantization noise drawn from a fixed seed from
/// offset 0, so figures and attributions are reproducible. The model's mode and noise stream come back on dispose.
/// </summary>
public sealed class EvalPass : IDisposable
{
    private readonly FlowModel _model;
    private readonly bool _wasTraining;
    private readonly (ulong Seed, ulong Offset, bool Deterministic)? _noise;
    private readonly IDisposable _noGrad;

    private EvalPass(FlowModel model, ulong noiseSeed)
    {
        _model = model;
        _wasTraining = model.Training;
        if (model.Noise is { } noise)
        {
            _noise = (noise.Seed, noise.Offset, noise.Deterministic);
            noise.Seed = noiseSeed;
            noise.Offset = 0;
            noise.Deterministic = false;
        }
        model.Eval();
        _noGrad = Autograd.NoGrad();
    }

    public static EvalPass Begin(FlowModel model, ulong noiseSeed) => new(model, noiseSeed);

    public void Dispose()
    {
        _noGrad.Dispose();
        _model.Train(_wasTraining);
        if (_model.Noise is { } noise && _noise is { } saved)
            (noise.Seed, noise.Offset, noise.Deterministic) = saved;
    }
}

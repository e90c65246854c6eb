using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Glow's ActNorm2d (docs/MODELS.md §4.8): y = (x + bias_c)·exp(logs_c), log|det J| = H·W·Σ logs. The first forward
/// in training mode initialises from the data: bias = −mean, logs = log(1/(std + 1e-6)). Unlike the original,
/// the "initialized" flag is a buffer, so it is saved in the state dict and a loaded model needs no extra call.
/// </summary>
public sealed class ActNorm : FlowLayer
{
    private bool _initializedSeen;

    public ActNorm(IComputeBackend backend, int channels) : base(backend)
    {
        Channels = channels;
        Bias = AddParameter("bias", new float[channels], 1, channels, 1, 1);
        LogScale = AddParameter("logs", new float[channels], 1, channels, 1, 1);
        InitializedFlag = AddBuffer("initialized", [0f], 1);
    }

    public int Channels { get; }
    public Parameter Bias { get; }
    public Parameter LogScale { get; }
    public Tensor InitializedFlag { get; }

    public bool Initialized
    {
        get
        {
            // Once seen set, trust it; until then read the buffer (a loaded state dict may have set it).
            if (!_initializedSeen) _initializedSeen = InitializedFlag.Item() != 0f;
            return _initializedSeen;
        }
    }

    /// <summary>Marks the layer initialised without touching its parameters (the original's set_actnorm_init).</summary>
    public void MarkInitialized()
    {
        InitializedFlag.CopyFrom([1f]);
        _initializedSeen = true;
    }

    public override FlowOutput Forward(Tensor x)
    {
        RequireChannels(x);
        if (!Initialized)
        {
            if (!Training)
                throw new InvalidOperationException($"{Name}: ActNorm was never initialised; run one training-mode forward pass or load a trained state first");
            InitializeFrom(x);
        }
        var y = Ops.ActNorm(x, Bias, LogScale);
        return new FlowOutput(y, LogDet(x, 1f));
    }

    public override FlowOutput Inverse(Tensor y)
    {
        RequireChannels(y);
        if (!Initialized)
            throw new InvalidOperationException($"{Name}: ActNorm was never initialised, so it has no inverse yet; train or load the model first");
        return new FlowOutput(Ops.ActNormInverse(y, Bias, LogScale), LogDet(y, -1f));
    }

    private Tensor LogDet(Tensor x, float sign)
    {
        int spatial = x.Shape[2] * x.Shape[3];
        return Ops.BroadcastScaledSum(LogScale, sign * spatial, x.Shape[0]);
    }

    private void InitializeFrom(Tensor x)
    {
        using var mean = Tensor.Empty(Backend, Channels);
        using var variance = Tensor.Empty(Backend, Channels);
        Backend.ChannelMoments(x.Buffer, Shapes.Ncs(x), mean.Buffer, variance.Buffer);
        var m = mean.ToArray();
        var v = variance.ToArray();
        var bias = new float[Channels];
        var logs = new float[Channels];
        for (int c = 0; c < Channels; c++)
        {
            bias[c] = -m[c];
            logs[c] = (float)Math.Log(1.0 / (Math.Sqrt(Math.Max(v[c], 0f)) + 1e-6));
        }
        Bias.CopyFrom(bias);
        LogScale.CopyFrom(logs);
        MarkInitialized();
    }

    private void RequireChannels(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != Channels)
            throw new ArgumentException($"{Name}: ActNorm for {Channels} channels got input {Shapes.Format(x.Shape)}");
    }

    public override string Describe() => $"ActNorm({Channels})";
}

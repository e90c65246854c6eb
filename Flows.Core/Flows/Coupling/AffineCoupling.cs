using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The affine coupling layer of docs/MODELS.md §4.5 on the fused Ops.Coupling kernel:
/// st = st_net(x_id); (raw, t) = chunk(st); s = rescale(tanh(raw)) restricted to the transformed part;
/// y_change = (x_change + t)·exp(s) (shift then scale); log|det J| = Σ s. The inverse recomputes st from the
/// unchanged part. Sub-modules are named "st_net" and "rescale" as in the original.
/// </summary>
public sealed class AffineCoupling : FlowLayer
{
    private readonly Dictionary<string, (Tensor Identity, Tensor Transformed)> _patterns = new();

    /// <param name="channels">Input channels C (images) or features D (tabular).</param>
    public AffineCoupling(IComputeBackend backend, CouplingMask mask, StNetwork stNet, int channels) : base(backend)
    {
        Mask = mask;
        Channels = channels;
        TransformedChannels = mask.TransformedChannels(channels);
        StNet = AddModule("st_net", stNet);
        Rescale = AddModule("rescale", new Rescale(backend, TransformedChannels, mask is TabularMask));
    }

    public CouplingMask Mask { get; }
    public int Channels { get; }

    /// <summary>Channels of s and t (C/2 for channel-wise masks, else C).</summary>
    public int TransformedChannels { get; }
    public StNetwork StNet { get; }
    public Rescale Rescale { get; }

    public override FlowOutput Forward(Tensor x) => Apply(x, inverse: false, null);

    public override FlowOutput Inverse(Tensor y) => Apply(y, inverse: true, null);

    /// <summary>
    /// Forward with the log-det returned as logDetSoFar + Σ s (GlowStep's training path): a channel-wise mask adds it
    /// inside the coupling's own launch, the others with one add, in the order FlowSequence.Chain adds.
    /// </summary>
    internal FlowOutput Forward(Tensor x, Tensor logDetSoFar) => Apply(x, inverse: false, logDetSoFar);

    private FlowOutput Apply(Tensor input, bool inverse, Tensor? logDetSoFar)
    {
        var shape = input.Shape[1..];
        Validate(shape);
        var scale = Rescale.Weight();
        Tensor output, logdet;
        Tensor? transformed = null, st = null, raw = null, t = null;
        if (Mask is ChannelMask channelMask)
        {
            // The identity half feeds the st-network; st is read in place and the other half copied by the fused op
            // (no split of st, no concatenation: docs/PERFORMANCE.md, "Launches and host synchronisations per step").
            int half = TransformedChannels, changeOffset = channelMask.Reverse ? half : 0;
            var identity = Ops.NarrowChannelsAdding(input, half - changeOffset, half);
            st = RequireSt(StNet.Forward(identity), input, half);
            (output, logdet) = inverse
                ? Ops.ChannelCouplingInverse(input, st, scale, changeOffset)
                : Ops.ChannelCoupling(input, st, scale, changeOffset, logDetSoFar);
            logDetSoFar = null;
        }
        else
        {
            var (identityMask, transformedMask) = Patterns(shape);
            transformed = transformedMask;
            // x·b: the conditioning part is the same before and after the layer, so the inverse sees it too.
            (raw, t) = SplitSt(StNet.Forward(MaskInput(input, identityMask)), input);
            (output, logdet) = inverse
                ? Ops.CouplingInverse(input, raw, t, scale, transformedMask)
                : Ops.Coupling(input, raw, t, scale, transformedMask);
        }
        if (logDetSoFar is not null) logdet = Ops.Add(logDetSoFar, logdet);
        LogDets.RequireFinite(logdet, Name, $"input {Shapes.Format(input.Shape)}, s and t {StShapes(raw, st)}");
        var recorder = CouplingRecorder.Current;
        if (recorder is not null)
        {
            var x = inverse ? output : input;
            var y = inverse ? input : output;
            using (Autograd.NoGrad())
            {
                if (st is not null) (raw, t) = Ops.ChunkChannels(st);
                var (logScale, shift) = ScaleAndShift(raw!, t!, scale, transformed);
                recorder.Record(this, x, y, logScale, shift);
            }
        }
        return new FlowOutput(output, logdet);
    }

    /// <summary>The shape of s and t for a message: raw's, or half the channels of a channel-wise st.</summary>
    private static string StShapes(Tensor? raw, Tensor? st)
    {
        if (raw is not null) return Shapes.Format(raw.Shape);
        var shape = (int[])st!.Shape.Clone();
        shape[1] /= 2;
        return Shapes.Format(shape);
    }

    /// <summary>A channel-wise st-network returns raw and t for the changed half: the input's shape (2·half channels).</summary>
    private Tensor RequireSt(Tensor st, Tensor input, int half)
    {
        if (!Shapes.Equal(st.Shape, input.Shape))
        {
            var expected = (int[])input.Shape.Clone();
            expected[1] = half;
            throw new ArgumentException(
                $"{Name}: the st-network returned {Shapes.Format(st.Shape)}, expected twice the channels of {Shapes.Format(expected)}");
        }
        return st;
    }

    private void Validate(int[] shape)
    {
        Mask.Validate(shape, Name);
        if (shape[0] != Channels)
            throw new ArgumentException($"{Name}: built for {Channels} channels, got input with per-sample shape {Shapes.Format(shape)}");
    }

    private (Tensor Raw, Tensor T) SplitSt(Tensor st, Tensor change)
    {
        if (st.Rank != change.Rank || st.Shape[0] != change.Shape[0] || st.Shape[1] != 2 * change.Shape[1]
            || !st.Shape.AsSpan(2).SequenceEqual(change.Shape.AsSpan(2)))
            throw new ArgumentException(
                $"{Name}: the st-network returned {Shapes.Format(st.Shape)}, expected twice the channels of {Shapes.Format(change.Shape)}");
        return Ops.ChunkChannels(st);
    }

    private Tensor MaskInput(Tensor x, Tensor pattern)
    {
        int n = x.Shape[0], per = x.Length / n;
        return Ops.Broadcast(BinaryOp.Mul, x, new Ncs(n, 1, per), pattern, new Ncs(1, 1, per), x.Shape);
    }

    /// <summary>b and m for one per-sample shape, uploaded once and kept for the layer's lifetime.</summary>
    private (Tensor Identity, Tensor Transformed) Patterns(int[] shape)
    {
        string key = Shapes.Format(shape);
        if (_patterns.TryGetValue(key, out var cached)) return cached;
        var mask = (SpatialMask)Mask;
        var identity = Tensor.EmptyPinned(Backend, shape);
        identity.CopyFrom(mask.IdentityPattern(shape));
        var transformed = Tensor.EmptyPinned(Backend, shape);
        transformed.CopyFrom(mask.TransformedPattern(shape));
        _patterns[key] = (identity, transformed);
        return (identity, transformed);
    }

    /// <summary>
    /// s (log scale) and t at full input size as the layer applied them: zero where nothing is transformed,
    /// so exp(s) is 1 there (docs/MODELS.md §7.2 pads channel-wise s with ones and t with zeros).
    /// </summary>
    private (Tensor LogScale, Tensor Shift) ScaleAndShift(Tensor raw, Tensor t, Tensor scale, Tensor? transformed)
    {
        var s = Ops.Channelwise(BinaryOp.Mul, Ops.Tanh(raw), scale);
        if (transformed is not null)
            return (MaskInput(s, transformed), MaskInput(t, transformed));
        var channelMask = (ChannelMask)Mask;
        using var zeros = Tensor.Zeros(Backend, s.Shape);
        return (channelMask.Merge(zeros, s), channelMask.Merge(zeros, t));
    }

    public override string Describe() => $"AffineCoupling({Mask}, st_net={StNet.Describe()})";
}

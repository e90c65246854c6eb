using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The image flows of the paper (paper-spec §4.1, §4.7, §4.8): a body of steps applied in order to x, where a
/// factor-out step keeps the first half of the channels and appends the second half to the latent list.
/// z = concat(flatten(factored₁), …, flatten(final x)): factored pieces first, in order, the final x last.
/// Step layers are named "body.{i}"; factor-outs have an index but no parameters.
/// </summary>
public sealed class MultiScaleFlow : FlowModel
{
    private readonly BodyStep[] _steps;
    private readonly int[][] _inputShapes;       // per-sample shape of x entering step i
    private readonly List<int[]> _factoredShapes = new();
    private readonly int[] _finalShape;

    public MultiScaleFlow(IComputeBackend backend, ModelConfig config, ImageShape image, IReadOnlyList<BodyStep> steps,
                          DequantizationNoise? noise)
        : base(backend, config, image.ToArray())
    {
        _steps = steps.ToArray();
        NoiseSource = noise;
        for (int i = 0; i < _steps.Length; i++)
            if (_steps[i].Layer is { } layer) AddModule($"body.{i}", layer);
        AssignNames();
        _inputShapes = new int[_steps.Length][];
        var shape = image.ToArray();
        for (int i = 0; i < _steps.Length; i++)
        {
            _inputShapes[i] = shape;
            var step = _steps[i];
            if (step.IsFactorOut)
            {
                if (shape.Length != 3 || step.KeepChannels <= 0 || step.KeepChannels >= shape[0])
                    throw new ArgumentException($"{Name}: factor-out at body.{i} cannot keep {step.KeepChannels} of the channels of {Shapes.Format(shape)}");
                _factoredShapes.Add([shape[0] - step.KeepChannels, shape[1], shape[2]]);
                shape = [step.KeepChannels, shape[1], shape[2]];
            }
            else
            {
                shape = step.Layer!.OutputShape(shape);
            }
        }
        _finalShape = shape;
        if (_factoredShapes.Sum(s => Shapes.Count(s)) + Shapes.Count(_finalShape) != Dimension)
            throw new ArgumentException($"{Name}: the body does not preserve the dimension {Dimension}");
    }

    private DequantizationNoise? NoiseSource { get; }

    public override DequantizationNoise? Noise => NoiseSource;

    public IReadOnlyList<BodyStep> Steps => _steps;

    /// <summary>The per-sample shape of x entering body step i.</summary>
    public int[] InputShapeAt(int position) => (int[])_inputShapes[position].Clone();

    /// <summary>The per-sample shapes of the factored-out pieces, in order, then the final x's.</summary>
    public IReadOnlyList<int[]> LatentPieceShapes => _factoredShapes.Append(_finalShape).ToArray();

    public override FlowOutput Forward(Tensor x)
    {
        RequireData(x);
        var recorder = CouplingRecorder.Current;
        var logdet = LogDets.Zeros(Backend, x.Shape[0]);
        var factored = new List<Tensor>();
        var input = x;
        for (int i = 0; i < _steps.Length; i++)
        {
            var step = _steps[i];
            if (step.IsFactorOut)
            {
                int channels = x.Shape[1];
                factored.Add(Ops.NarrowChannels(x, step.KeepChannels, channels - step.KeepChannels));
                var kept = Ops.NarrowChannels(x, 0, step.KeepChannels);
                NoGradLifetime.Release(x, input, kept, factored[^1]);
                x = kept;
                continue;
            }
            if (recorder is not null) { recorder.Position = i; recorder.Factored = factored.ToArray(); }
            var (y, ld) = NoGradLifetime.Step(step.Layer!, x, inverse: false, input);
            logdet = Ops.Add(logdet, ld);
            x = y;
        }
        if (recorder is not null) { recorder.Position = -1; recorder.Factored = Array.Empty<Tensor>(); }
        factored.Add(x);
        int n = x.Shape[0];
        var flat = factored.Select(p => Ops.Reshape(p, n, p.Length / n)).ToArray();
        return new FlowOutput(flat.Length == 1 ? flat[0] : Ops.ConcatChannels(flat), logdet);
    }

    public override FlowOutput Inverse(Tensor z)
    {
        var pieces = SplitLatent(z);
        var x = pieces[^1];
        pieces.RemoveAt(pieces.Count - 1);
        var recorder = CouplingRecorder.Current;
        var logdet = LogDets.Zeros(Backend, z.Shape[0]);
        for (int i = _steps.Length - 1; i >= 0; i--)
        {
            var step = _steps[i];
            if (step.IsFactorOut)
            {
                var joined = Ops.ConcatChannels(x, pieces[^1]);
                NoGradLifetime.Release(x, z, joined);
                x = joined;
                pieces.RemoveAt(pieces.Count - 1);
                continue;
            }
            if (recorder is not null) { recorder.Position = i; recorder.Factored = pieces.ToArray(); }
            var (prev, ld) = NoGradLifetime.Step(step.Layer!, x, inverse: true, z);
            logdet = Ops.Add(logdet, ld);
            x = prev;
        }
        if (recorder is not null) { recorder.Position = -1; recorder.Factored = Array.Empty<Tensor>(); }
        return new FlowOutput(x, logdet);
    }

    /// <summary>z [N, D] → the factored pieces and the final x, each in its image shape [N, C, H, W].</summary>
    public List<Tensor> SplitLatent(Tensor z)
    {
        RequireLatent(z);
        int n = z.Shape[0], offset = 0;
        var result = new List<Tensor>();
        foreach (var shape in LatentPieceShapes)
        {
            int count = Shapes.Count(shape);
            var piece = count == Dimension ? z : Ops.NarrowChannels(z, offset, count);
            result.Add(Ops.Reshape(piece, [n, .. shape]));
            offset += count;
        }
        return result;
    }

    /// <summary>
    /// Puts a tensor that lives at body step <paramref name="position"/> (as x enters that step, e.g. a coupling's
    /// output or its s and t) back into the image layout [N, C, H, W] by undoing every squeeze and factor-out
    /// before it (paper-spec §7.2). Factored-out channels come from <paramref name="factored"/> (the pieces
    /// factored out before that step, e.g. <see cref="CouplingTrace.Factored"/>) or are filled with
    /// <paramref name="fill"/> when it is null. Every other layer is treated as the identity.
    /// </summary>
    public Tensor ToImageLayout(Tensor t, int position, IReadOnlyList<Tensor>? factored = null, float fill = 0f)
    {
        if (position < 0 || position > _steps.Length)
            throw new ArgumentException($"{Name}: body position {position} is outside 0..{_steps.Length}");
        var pieces = factored?.ToList();
        for (int i = position - 1; i >= 0; i--)
        {
            var step = _steps[i];
            if (step.IsFactorOut)
            {
                Tensor piece;
                int n = t.Shape[0];
                var shape = _inputShapes[i];
                int[] pieceShape = [n, shape[0] - step.KeepChannels, shape[1], shape[2]];
                if (pieces is null) piece = Tensor.Full(Backend, fill, pieceShape);
                else if (pieces.Count == 0)
                    throw new ArgumentException($"{Name}: not enough factored pieces to undo the factor-out at body.{i}");
                else { piece = pieces[^1]; pieces.RemoveAt(pieces.Count - 1); }
                t = Ops.ConcatChannels(t, piece);
            }
            else if (step.Layer is Squeeze)
            {
                t = Ops.Unsqueeze2x2(t);
            }
        }
        return t;
    }

    /// <summary>
    /// The "reshape model" of paper-spec §7.3: z [N, D] in image layout [N, C, H, W] with only the factor-outs
    /// and squeezes undone (couplings, ActNorm and 1×1 convs act as the identity). With applySigmoid the
    /// dequantization's inverse (a sigmoid) is applied too, as the Glow notebook's variant does.
    /// </summary>
    public Tensor UnflattenToImage(Tensor z, bool applySigmoid = false)
    {
        var pieces = SplitLatent(z);
        var x = pieces[^1];
        pieces.RemoveAt(pieces.Count - 1);
        var t = ToImageLayout(x, _steps.Length, pieces);
        return applySigmoid && _steps.Any(s => s.Layer is DequantizeLogit) ? Ops.Sigmoid(t) : t;
    }

    public override string Describe() => $"MultiScaleFlow({Config.Name})";
}

using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The transform of the image flows (docs/MODELS.md §4.1, §4.7, §4.8), nflows' multi-scale composite: runs of flow
/// layers, each a plain sequence (<see cref="FlowSequence.Chain"/>), separated by factor-outs that keep the
/// first channels and set the rest aside; z = concat(flatten(factored₁), …, flatten(final x)), factored pieces
/// first, in order, the final x last. Children are named by their step index ("3"); factor-outs have an index
/// but no module, so under a model the names are "body.{i}" as in the original.
/// </summary>
public sealed class MultiScaleBody : FlowLayer, ICompositeFlow
{
    private readonly string _model;                 // the owning model's name, for messages
    private readonly int[] _image;
    private readonly BodyStep[] _steps;
    private readonly int[][] _inputShapes;          // per-sample shape of x entering step i
    private readonly List<int[]> _factoredShapes = new();
    private readonly int[] _finalShape;
    private readonly List<Run> _runs = new();
    private readonly Dictionary<FlowLayer, int> _positions = new(ReferenceEqualityComparer.Instance);

    /// <summary>Layers applied in order, then a factor-out keeping <see cref="KeepChannels"/> channels (0: none, the last run).</summary>
    private sealed record Run(List<FlowLayer> Layers, int KeepChannels);

    public MultiScaleBody(IComputeBackend backend, string model, ImageShape image, IReadOnlyList<BodyStep> steps) : base(backend)
    {
        _model = model;
        _image = image.ToArray();
        _steps = steps.ToArray();
        var run = new List<FlowLayer>();
        for (int i = 0; i < _steps.Length; i++)
        {
            if (_steps[i].Layer is { } layer)
            {
                AddModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
                _positions.Add(layer, i);
                run.Add(layer);
            }
            else
            {
                _runs.Add(new Run(run, _steps[i].KeepChannels));
                run = new List<FlowLayer>();
            }
        }
        _runs.Add(new Run(run, 0));
        _inputShapes = new int[_steps.Length][];
        var shape = image.ToArray();
        for (int i = 0; i < _steps.Length; i++)
        {
            _inputShapes[i] = shape;
            var step = _steps[i];
            if (step.IsFactorOut)
            {
                if (shape.Length != 3 || step.KeepChannels <= 0 || step.KeepChannels >= shape[0])
                    throw new ArgumentException($"{model}: factor-out at body.{i} cannot keep {step.KeepChannels} of the channels of {Shapes.Format(shape)}");
                _factoredShapes.Add([shape[0] - step.KeepChannels, shape[1], shape[2]]);
                shape = [step.KeepChannels, shape[1], shape[2]];
            }
            else
            {
                shape = step.Layer!.OutputShape(shape);
            }
        }
        _finalShape = shape;
        Dimension = image.Size;
        if (_factoredShapes.Sum(s => Shapes.Count(s)) + Shapes.Count(_finalShape) != Dimension)
            throw new ArgumentException($"{model}: the body does not preserve the dimension {Dimension}");
    }

    /// <summary>D, the length of z.</summary>
    public int Dimension { get; }

    public IReadOnlyList<BodyStep> Steps => _steps;

    IEnumerable<FlowLayer> ICompositeFlow.Layers => _runs.SelectMany(r => r.Layers);

    /// <summary>The per-sample shape of x entering body step i.</summary>
    public int[] InputShapeAt(int position) => (int[])_inputShapes[position].Clone();

    /// <summary>The per-sample shapes of the factored-out pieces, in order, then the final x's.</summary>
    public IReadOnlyList<int[]> LatentPieceShapes => _factoredShapes.Append(_finalShape).ToArray();

    public override FlowOutput Forward(Tensor x) => Forward(x, FlowWalk.Plain);

    public FlowOutput Forward(Tensor x, FlowStep step)
    {
        var factored = new List<Tensor>();
        var applied = Observed(step, () => factored);
        // Starting from zeros, as the original's loop does, keeps the sums' rounding (and signed zeros) unchanged.
        Tensor? logdet = LogDets.Zeros(Backend, x.Shape[0]);
        var input = x;
        bool plain = NoGradLifetime.IsPlain(applied);
        foreach (var run in _runs)
        {
            (x, logdet) = FlowSequence.Chain(run.Layers, x, logdet, applied, owned: input);
            if (run.KeepChannels == 0) continue;
            var whole = x;
            var (kept, factoredOut) = Ops.SplitChannels(whole, run.KeepChannels);
            factored.Add(factoredOut);
            x = kept;
            if (plain) NoGradLifetime.Release(whole, input, x, factored[^1]);
        }
        EndObserving();
        factored.Add(x);
        int n = x.Shape[0];
        var flat = factored.Select(p => Ops.Reshape(p, n, p.Length / n)).ToArray();
        return new FlowOutput(flat.Length == 1 ? flat[0] : Ops.ConcatChannels(flat), logdet!);
    }

    public override FlowOutput Inverse(Tensor z)
    {
        var pieces = SplitLatent(z);
        var x = pieces[^1];
        pieces.RemoveAt(pieces.Count - 1);
        var applied = Observed(FlowWalk.PlainInverse, () => pieces);
        Tensor? logdet = LogDets.Zeros(Backend, z.Shape[0]);
        bool plain = NoGradLifetime.IsPlain(applied);
        for (int r = _runs.Count - 1; r >= 0; r--)
        {
            var run = _runs[r];
            if (run.KeepChannels > 0)
            {
                var joined = Ops.ConcatChannels(x, pieces[^1]);
                if (plain) NoGradLifetime.Release(x, z, joined);
                x = joined;
                pieces.RemoveAt(pieces.Count - 1);
            }
            (x, logdet) = FlowSequence.ChainInverse(run.Layers, x, logdet, applied, owned: z);
        }
        EndObserving();
        return new FlowOutput(x, logdet!);
    }

    /// <summary>With a coupling recorder open, tells it the body position and the pieces set aside before each layer.</summary>
    private FlowStep Observed(FlowStep step, Func<List<Tensor>> factored)
    {
        var recorder = CouplingRecorder.Current;
        if (recorder is null) return step;
        return (layer, x) =>
        {
            recorder.Position = _positions[layer];
            recorder.Factored = factored().ToArray();
            return step(layer, x);
        };
    }

    private static void EndObserving()
    {
        if (CouplingRecorder.Current is { } recorder) { recorder.Position = -1; recorder.Factored = Array.Empty<Tensor>(); }
    }

    /// <summary>z [N, D] → the factored pieces and the final x, each in its image shape [N, C, H, W].</summary>
    public List<Tensor> SplitLatent(Tensor z)
    {
        if (z.Rank != 2 || z.Shape[1] != Dimension)
            throw new ArgumentException($"{_model}: expected a latent [N, {Dimension}], got {Shapes.Format(z.Shape)}");
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

    /// <summary>See <see cref="MultiScaleFlow.ToImageLayout"/>.</summary>
    public Tensor ToImageLayout(Tensor t, int position, IReadOnlyList<Tensor>? factored = null, float fill = 0f)
    {
        if (position < 0 || position > _steps.Length)
            throw new ArgumentException($"{_model}: body position {position} is outside 0..{_steps.Length}");
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
                    throw new ArgumentException($"{_model}: not enough factored pieces to undo the factor-out at body.{i}");
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

    /// <summary>See <see cref="MultiScaleFlow.UnflattenToImage"/>.</summary>
    public Tensor UnflattenToImage(Tensor z, bool applySigmoid = false)
    {
        var pieces = SplitLatent(z);
        var x = pieces[^1];
        pieces.RemoveAt(pieces.Count - 1);
        var t = ToImageLayout(x, _steps.Length, pieces);
        return applySigmoid && _steps.Any(s => s.Layer is DequantizeLogit) ? Ops.Sigmoid(t) : t;
    }

    public override int[] OutputShape(int[] inputShape)
    {
        if (!inputShape.SequenceEqual(_image))
            throw new ArgumentException($"{_model}: expected per-sample input {Shapes.Format(_image)}, got {Shapes.Format(inputShape)}");
        return [Dimension];
    }

    public override string Describe() => $"MultiScale({_steps.Length} steps, {_runs.Count - 1} factor-outs)";
}

using System.Globalization;
using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// The torch.optim pattern: parameter groups, <see cref="ZeroGrad"/>, <see cref="Step"/>, and per-parameter
/// state (moment estimates) that is created on a parameter's first update, as PyTorch creates it, and can
/// be exported and imported by name for checkpoints. Parameters are numbered across groups in order.
/// A step where every parameter has a gradient and each group's parameters share one step count (every step of an
/// ordinary training run) goes through the multi-tensor ops over flat buffers (<see cref="FlatStorage"/>,
/// docs/PERFORMANCE.md, "Multi-tensor optimizers"): a few launches for all parameters, with the per-step scalars in
/// one device buffer (<see cref="StepScalarsBuffer"/>). Any other step takes the per-parameter path; both compute
/// every element with the same arithmetic.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly ParameterGroup[] _groupOf;
    private readonly int[] _groupIndex;
    private readonly int[] _groupSteps;
    private readonly ParameterState?[] _state;
    private FlatStorage? _flat;
    private DeviceBuffer[]? _values, _gradients;
    private DeviceBuffer[][]? _slotBuffers;
    private float _learningRate;
    private DeviceGuard? _guard;
    private StepStatus? _status;

    protected Optimizer(IEnumerable<ParameterGroup> groups, float learningRate)
    {
        Groups = groups.ToArray();
        if (Groups.Count == 0) throw new ArgumentException($"{Kind}: no parameter groups given");
        LearningRate = learningRate;
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var parameters = new List<Parameter>();
        var groupOf = new List<ParameterGroup>();
        foreach (var group in Groups)
            foreach (var p in group.Parameters)
            {
                if (!seen.Add(p))
                    throw new ArgumentException($"{Kind}: a parameter of shape {Shapes.Format(p.Shape)} appears more than once (group '{group.Name}')");
                parameters.Add(p);
                groupOf.Add(group);
            }
        if (parameters.Count == 0) throw new ArgumentException($"{Kind}: got an empty parameter list");
        _parameters = parameters.ToArray();
        _groupOf = groupOf.ToArray();
        _groupIndex = new int[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++) _groupIndex[i] = IndexOfGroup(_groupOf[i]);
        _groupSteps = new int[Groups.Count];
        _state = new ParameterState?[_parameters.Length];
    }

    /// <summary>The state-name prefix and the name in messages: "adam", "rmsprop".</summary>
    public abstract string Kind { get; }

    /// <summary>The per-parameter buffers this optimizer keeps, each shaped like its parameter.</summary>
    protected abstract string[] SlotNames { get; }

    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>The learning rate of every group without its own; a schedule sets it between steps.</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (value < 0 || !float.IsFinite(value)) throw new ArgumentException($"{Kind}: learning rate must be finite and non-negative, got {value}");
            _learningRate = value;
        }
    }

    /// <summary>The device flag and loss slot of a training step without host reads (<see cref="ClipAndStep"/>).</summary>
    public StepStatus Status => _status ??= new StepStatus(_parameters[0].Backend);

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public int StepCount { get; private set; }

    /// <summary>Every parameter in global index order (the index used by the state names).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Drops every parameter's gradient (PyTorch's set_to_none).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    /// <summary>
    /// The per-step scalars of the multi-tensor path (<see cref="StepScalars"/>: Stride floats per group: step size, bias
    /// correction, weight decay, decoupled decay, learning rate), uploaded once before each multi-tensor update. A CUDA
    /// graph that captures a step replays with these values after that upload; null before the first step.
    /// </summary>
    public DeviceBuffer? StepScalarsBuffer => _guard?.Scalars;

    /// <summary>
    /// Whether a step may take the multi-tensor path (torch.optim's foreach switch): on by default; off forces the
    /// per-parameter path, which computes the same values (with clipping on a GPU the norms are summed in another order).
    /// </summary>
    public bool UseMultiTensor { get; set; } = true;

    /// <summary>True when the last step went through the multi-tensor path (for tests and diagnostics).</summary>
    public bool LastStepWasMultiTensor { get; private set; }

    /// <summary>Updates every parameter that has a gradient; the others, and their state, are left alone.</summary>
    public void Step()
    {
        if (MultiTensorReady())
        {
            var guard = Guard();
            MultiTensorStep(guard, guard.Ones, guard.ZeroFlag);
            return;
        }
        LastStepWasMultiTensor = false;
        UpdateEach((p, g, slots, steps, lr, wd, _) => Update(p, g, slots, steps, lr, wd));
    }

    /// <summary>The one update loop: every parameter with a gradient, its state created on first use, then StepCount++.</summary>
    private void UpdateEach(Action<Parameter, Tensor, Tensor[], int, float, float, ParameterGroup> update)
    {
        using (Autograd.NoGrad())
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                var p = _parameters[i];
                if (p.Grad is null) continue;
                var group = _groupOf[i];
                var state = _state[i] ??= NewState(i);
                state.Steps++;
                update(p, p.Grad, state.Slots, state.Steps, group.LearningRate ?? LearningRate, group.WeightDecay, group);
            }
        }
        StepCount++;
    }

    /// <summary>
    /// clip_grad_norm_ applied to each group on its own (docs/MODELS.md §5.1): the total L2 norm of the group's
    /// gradients is computed and, for groups with a maximum, the gradients are multiplied by
    /// min(1, max / (norm + 1e-6)). Returns each group's norm before clipping (0 for a group without gradients).
    /// A non-finite norm throws, naming the group, instead of spreading NaN into the parameters.
    /// </summary>
    public double[] ClipGradientNorms()
    {
        var norms = new double[Groups.Count];
        for (int k = 0; k < Groups.Count; k++)
        {
            var group = Groups[k];
            double sumSquares = 0;
            foreach (var p in group.Parameters)
                if (p.Grad is { } g) sumSquares += p.Backend.SumOfSquares(g.Buffer, g.Length);
            double norm = Math.Sqrt(sumSquares);
            norms[k] = norm;
            if (!double.IsFinite(norm))
                throw new NumericalException($"{Kind}: the gradient norm of parameter group '{group.Name}' is {norm}; training diverged");
            if (group.MaxGradNorm is not { } max) continue;
            double coefficient = max / (norm + 1e-6);
            if (coefficient >= 1) continue;
            foreach (var p in group.Parameters)
                if (p.Grad is { } g) p.Backend.Unary(Kernels.UnaryOp.Scale, g.Buffer, g.Buffer, g.Length, (float)coefficient);
        }
        return norms;
    }

    /// <summary>
    /// <see cref="ClipGradientNorms"/> and <see cref="Step"/> with no host read (docs/PERFORMANCE.md, "Host
    /// synchronisations per step"): each group's sum of squares is added into a device slot, the clip coefficients
    /// are formed on the device, and every update multiplies its gradient by its group's coefficient. A non-finite
    /// norm sets <paramref name="flag"/>[0]; while flag[0] is not 0 (set here or earlier in the step, by the loss
    /// or a log-det check) no weight moves, so the caller reads the flag once after the step and, when it is set,
    /// calls <see cref="ClipGradientNorms"/> (the gradients are untouched) to name the group. The coefficient is
    /// formed in float from a float sum (the host path: double), a difference of about 1e-7 relative.
    /// </summary>
    public void ClipAndStep(DeviceBuffer flag)
    {
        var guard = Guard();
        var backend = guard.Backend;
        if (MultiTensorReady())
        {
            // One reduction for every group's norm (per group: the flat gradient range), then one update.
            var gradients = Gradients();
            backend.SumOfSquaresMulti(gradients, _flat!.Counts, _groupIndex, Groups.Count, guard.Sums);
            backend.ClipCoefficients(guard.Sums, guard.MaxNorms, Groups.Count, guard.Coefficients, flag);
            MultiTensorStep(guard, guard.Coefficients, flag);
            return;
        }
        LastStepWasMultiTensor = false;
        backend.Fill(guard.Sums, 0f);
        for (int i = 0; i < _parameters.Length; i++)
            if (_parameters[i].Grad is { } g) backend.SumOfSquaresInto(g.Buffer, g.Length, guard.Sums, guard.GroupIndex(_groupOf[i]));
        backend.ClipCoefficients(guard.Sums, guard.MaxNorms, Groups.Count, guard.Coefficients, flag);
        UpdateEach((p, g, slots, steps, lr, wd, group) =>
            GuardedUpdate(p, g, slots, steps, lr, wd, new StepGuard(guard.Coefficients, guard.GroupIndex(group), flag)));
    }

    private DeviceGuard Guard() => _guard ??= new DeviceGuard(_parameters[0].Backend, Groups);

    private int IndexOfGroup(ParameterGroup group)
    {
        for (int k = 0; k < Groups.Count; k++)
            if (ReferenceEquals(Groups[k], group)) return k;
        throw new InvalidOperationException($"{Kind}: a parameter's group is not among the optimizer's groups");
    }

    /// <summary>
    /// Whether this step can take the multi-tensor path: every parameter has a gradient and the parameters of each
    /// group have been updated equally often (their bias corrections agree). Then the flat storage is made ready:
    /// built on first use, each gradient in its flat slot, each parameter's state in the flat moment buffers.
    /// </summary>
    private bool MultiTensorReady()
    {
        if (!UseMultiTensor) return false;
        Array.Fill(_groupSteps, -1);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i].Grad is null) return false;
            int steps = _state[i]?.Steps ?? 0, k = _groupIndex[i];
            if (_groupSteps[k] < 0) _groupSteps[k] = steps;
            else if (_groupSteps[k] != steps) return false;
        }
        _flat ??= new FlatStorage(_parameters[0].Backend, _parameters, SlotNames.Length);
        for (int i = 0; i < _parameters.Length; i++)
        {
            _flat.GatherGradient(i);
            if (_state[i] is not { } state)
            {
                _state[i] = NewState(i);
                continue;
            }
            for (int s = 0; s < SlotNames.Length; s++)
            {
                var member = _flat.Slot(s, i);
                if (ReferenceEquals(state.Slots[s].Buffer, member)) continue;
                var flat = SlotView(i, s);
                flat.CopyFrom(state.Slots[s]);
                state.Slots[s].Dispose();
                state.Slots[s] = flat;
            }
        }
        return true;
    }

    /// <summary>
    /// Uploads the per-step scalars of the next multi-tensor step now, ahead of it (docs/PERFORMANCE.md, "Streams and
    /// CUDA graphs"): a captured step may not upload, and its replays read <see cref="StepScalarsBuffer"/>, so the host
    /// fills that buffer before each graph launch. The next step then skips its own upload when its scalars equal
    /// these. False (nothing uploaded) before the first step, with multi-tensor steps off, or when a group's
    /// parameters disagree on their step count (the next step takes the per-parameter path).
    /// </summary>
    internal bool UploadNextStepScalars()
    {
        if (!UseMultiTensor || _guard is not { } guard) return false;
        Array.Fill(_groupSteps, -1);
        for (int i = 0; i < _parameters.Length; i++)
        {
            int steps = _state[i]?.Steps ?? 0, k = _groupIndex[i];
            if (_groupSteps[k] < 0) _groupSteps[k] = steps;
            else if (_groupSteps[k] != steps) return false;
        }
        WriteAllStepScalars(guard);
        guard.Backend.Upload(guard.HostScalars, guard.Scalars);
        _scalarsAhead ??= new float[guard.HostScalars.Length];
        guard.HostScalars.CopyTo(_scalarsAhead, 0);
        _hasScalarsAhead = true;
        return true;
    }

    // The scalars UploadNextStepScalars put on the device for the next step, if it has not run yet.
    private float[]? _scalarsAhead;
    private bool _hasScalarsAhead;

    private void WriteAllStepScalars(DeviceGuard guard)
    {
        for (int k = 0; k < Groups.Count; k++)
            WriteStepScalars(guard.HostScalars, k, _groupSteps[k] + 1, Groups[k].LearningRate ?? LearningRate, Groups[k].WeightDecay);
    }

    /// <summary>The update of every parameter at once: the scalars uploaded, the subclass's multi-tensor op, the counts advanced.</summary>
    private void MultiTensorStep(DeviceGuard guard, DeviceBuffer coefficients, DeviceBuffer flag)
    {
        WriteAllStepScalars(guard);
        bool ahead = _hasScalarsAhead && guard.HostScalars.AsSpan().SequenceEqual(_scalarsAhead);
        _hasScalarsAhead = false;
        if (!ahead) guard.Backend.Upload(guard.HostScalars, guard.Scalars);
        _values ??= new DeviceBuffer[_parameters.Length];
        _slotBuffers ??= Enumerable.Range(0, SlotNames.Length).Select(_ => new DeviceBuffer[_parameters.Length]).ToArray();
        for (int i = 0; i < _parameters.Length; i++)
        {
            _values[i] = _parameters[i].Buffer;
            for (int s = 0; s < SlotNames.Length; s++) _slotBuffers[s][i] = _state[i]!.Slots[s].Buffer;
        }
        MultiTensorUpdate(guard.Backend, _values, Gradients(), _slotBuffers, _flat!.Counts, _groupIndex, Groups.Count,
                          new MultiStepGuard(guard.Scalars, coefficients, flag));
        foreach (var state in _state) state!.Steps++;
        StepCount++;
        LastStepWasMultiTensor = true;
    }

    private DeviceBuffer[] Gradients()
    {
        _gradients ??= new DeviceBuffer[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++) _gradients[i] = _parameters[i].Grad!.Buffer;
        return _gradients;
    }

    /// <summary>Writes group k's <see cref="StepScalars"/> for its 1-based step.</summary>
    protected abstract void WriteStepScalars(Span<float> host, int group, int step, float learningRate, float weightDecay);

    /// <summary>The subclass's multi-tensor op over every parameter (slots[s][i]: parameter i's state slot s).</summary>
    protected abstract void MultiTensorUpdate(IComputeBackend backend, DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[][] slots,
                                              int[] counts, int[] groupOf, int groups, MultiStepGuard guard);

    /// <summary>One update of parameter p with gradient g, given its state slots and its 1-based step.</summary>
    protected abstract void Update(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay);

    /// <summary>
    /// <see cref="Update"/> with the gradient times guard.Coefficients[guard.Group], skipped on the device while
    /// guard.Flag[0] is not 0.
    /// </summary>
    protected abstract void GuardedUpdate(Parameter p, Tensor g, Tensor[] slots, int step, float learningRate, float weightDecay, StepGuard guard);

    // ---- state for checkpoints ------------------------------------------------------------------------

    /// <summary>
    /// The optimizer's state as named arrays: "step" (Step calls), and for every parameter i that has been
    /// updated, "&lt;kind&gt;.&lt;slot&gt;.i" (shaped like the parameter) and "&lt;kind&gt;.step.i" (its update count).
    /// </summary>
    public StateDict ExportState()
    {
        var dict = new StateDict();
        dict.Add("step", [1], [StepCount]);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_state[i] is not { } state) continue;
            for (int s = 0; s < SlotNames.Length; s++)
                dict.Add(SlotKey(s, i), _parameters[i].Shape, state.Slots[s].ToArray());
            dict.Add(StepKey(i), [1], [state.Steps]);
        }
        return dict;
    }

    /// <summary>
    /// Replaces the state with a saved one. Entries of another optimizer kind, unknown parameter indices,
    /// wrong shapes and incomplete parameter states are all refused in one message, and nothing changes.
    /// </summary>
    public void ImportState(StateDict saved)
    {
        var problems = new List<string>();
        var present = new bool[_parameters.Length];
        int stepCount = 0;
        foreach (var name in saved.Names)
        {
            var entry = saved[name];
            if (name == "step")
            {
                if (entry.Values.Length != 1 || !IsCount(entry.Values[0])) problems.Add($"'step' must be one non-negative integer");
                else stepCount = (int)entry.Values[0];
                continue;
            }
            var parts = name.Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                problems.Add($"unexpected '{name}'");
                continue;
            }
            if (parts[0] != Kind)
            {
                problems.Add($"'{name}' belongs to a '{parts[0]}' optimizer, this one is '{Kind}'");
                continue;
            }
            if (index >= _parameters.Length)
            {
                problems.Add($"'{name}' is for parameter {index}, this optimizer has {_parameters.Length}");
                continue;
            }
            if (parts[1] == "step")
            {
                if (entry.Values.Length != 1 || !IsCount(entry.Values[0])) problems.Add($"'{name}' must be one non-negative integer");
                present[index] = true;
            }
            else if (Array.IndexOf(SlotNames, parts[1]) < 0)
            {
                problems.Add($"unexpected '{name}'");
            }
            else if (!Shapes.Equal(entry.Shape, _parameters[index].Shape))
            {
                problems.Add($"'{name}' has shape {Shapes.Format(entry.Shape)}, parameter {index} has {Shapes.Format(_parameters[index].Shape)}");
            }
        }
        if (!saved.TryGet("step", out _)) problems.Add("missing 'step'");
        for (int i = 0; i < _parameters.Length; i++)
        {
            bool any = saved.TryGet(StepKey(i), out _);
            for (int s = 0; s < SlotNames.Length; s++) any |= saved.TryGet(SlotKey(s, i), out _);
            if (!any) continue;
            if (!present[i]) problems.Add($"missing '{StepKey(i)}'");
            for (int s = 0; s < SlotNames.Length; s++)
                if (!saved.TryGet(SlotKey(s, i), out _)) problems.Add($"missing '{SlotKey(s, i)}'");
        }
        if (problems.Count > 0)
            throw new StateDictMismatchException($"the saved {Kind} state does not fit this optimizer: " + string.Join("; ", problems.Take(12))
                + (problems.Count > 12 ? $"; and {problems.Count - 12} more" : ""));

        ReleaseState();
        StepCount = stepCount;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!present[i]) continue;
            var state = NewState(i);
            state.Steps = (int)saved[StepKey(i)].Values[0];
            for (int s = 0; s < SlotNames.Length; s++) state.Slots[s].CopyFrom(saved[SlotKey(s, i)].Values);
            _state[i] = state;
        }
    }

    public void Dispose()
    {
        ReleaseState();
        _flat?.Dispose();
        _flat = null;
        _guard?.Dispose();
        _guard = null;
        _status?.Dispose();
        _status = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>StepCount, then every parameter's update count (-1 without state): what a step advances on the host.</summary>
    internal int[] StepCounts()
    {
        var counts = new int[_state.Length + 1];
        counts[0] = StepCount;
        for (int i = 0; i < _state.Length; i++) counts[i + 1] = _state[i]?.Steps ?? -1;
        return counts;
    }

    /// <summary>
    /// Sets the counts of <see cref="StepCounts"/> (a step whose graph capture failed ran nothing: its counts go back;
    /// a replayed step ran without the host: its counts go forward). Parameters without state keep having none.
    /// </summary>
    internal void SetStepCounts(int[] counts)
    {
        StepCount = counts[0];
        for (int i = 0; i < _state.Length; i++)
            if (_state[i] is { } state && counts[i + 1] >= 0) state.Steps = counts[i + 1];
    }

    // Step counts travel as float32 (safetensors F32); they are exact up to 2^24, far beyond any run here.
    private static bool IsCount(float value) => value >= 0 && value <= 16777216f && value == MathF.Floor(value);

    private string SlotKey(int slot, int index) => $"{Kind}.{SlotNames[slot]}.{index}";

    private string StepKey(int index) => $"{Kind}.step.{index}";

    /// <summary>Zeroed state for parameter i: in the flat moment buffers once they exist, else in buffers of its own.</summary>
    private ParameterState NewState(int i)
    {
        var p = _parameters[i];
        var slots = new Tensor[SlotNames.Length];
        for (int s = 0; s < slots.Length; s++)
        {
            slots[s] = _flat is null ? Tensor.EmptyPinned(p.Backend, p.Shape) : SlotView(i, s);
            p.Backend.Fill(slots[s].Buffer, 0f);
        }
        return new ParameterState(slots);
    }

    // A view of the flat member: disposing the state's tensor leaves the flat buffer alone.
    private Tensor SlotView(int i, int slot) =>
        new(_parameters[i].Backend, _flat!.Slot(slot, i), (int[])_parameters[i].Shape.Clone(), ownsBuffer: false, tracked: false) { Pinned = true };

    private void ReleaseState()
    {
        for (int i = 0; i < _state.Length; i++)
        {
            if (_state[i] is { } state)
                foreach (var t in state.Slots) t.Dispose();
            _state[i] = null;
        }
    }

    private sealed class ParameterState(Tensor[] slots)
    {
        public Tensor[] Slots { get; } = slots;
        public int Steps { get; set; }
    }
}

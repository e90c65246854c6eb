using System.Globalization;
using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// The torch.optim pattern: parameter groups, <see cref="ZeroGrad"/>, <see cref="Step"/>, and per-parameter
/// state (moment estimates) that is created on a parameter's first update, as PyTorch creates it, and can
/// be exported and imported by name for checkpoints. Parameters are numbered across groups in order.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly ParameterGroup[] _groupOf;
    private readonly ParameterState?[] _state;
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

    /// <summary>Updates every parameter that has a gradient; the others, and their state, are left alone.</summary>
    public void Step() =>
        UpdateEach((p, g, slots, steps, lr, wd, _) => Update(p, g, slots, steps, lr, wd));

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
                var state = _state[i] ??= NewState(p);
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
        var guard = _guard ??= new DeviceGuard(_parameters[0].Backend, Groups);
        var backend = guard.Backend;
        backend.Fill(guard.Sums, 0f);
        for (int i = 0; i < _parameters.Length; i++)
            if (_parameters[i].Grad is { } g) backend.SumOfSquaresInto(g.Buffer, g.Length, guard.Sums, guard.GroupIndex(_groupOf[i]));
        backend.ClipCoefficients(guard.Sums, guard.MaxNorms, Groups.Count, guard.Coefficients, flag);
        UpdateEach((p, g, slots, steps, lr, wd, group) =>
            GuardedUpdate(p, g, slots, steps, lr, wd, new StepGuard(guard.Coefficients, guard.GroupIndex(group), flag)));
    }

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
            var state = NewState(_parameters[i]);
            state.Steps = (int)saved[StepKey(i)].Values[0];
            for (int s = 0; s < SlotNames.Length; s++) state.Slots[s].CopyFrom(saved[SlotKey(s, i)].Values);
            _state[i] = state;
        }
    }

    public void Dispose()
    {
        ReleaseState();
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

    private ParameterState NewState(Parameter p)
    {
        var slots = new Tensor[SlotNames.Length];
        for (int s = 0; s < slots.Length; s++)
        {
            slots[s] = Tensor.EmptyPinned(p.Backend, p.Shape);
            p.Backend.Fill(slots[s].Buffer, 0f);
        }
        return new ParameterState(slots);
    }

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

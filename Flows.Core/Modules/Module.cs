using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// A tree of named parameters, buffers and sub-modules, as in PyTorch: names join with dots
/// ("st_net.in_conv.weight_g"), Train/Eval switch the mode of the whole tree, and the state dict holds
/// parameters and buffers (running statistics, flags) by name.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Module Module)> _children = new();
    private readonly List<(string Name, Parameter Parameter)> _parameters = new();
    private readonly List<(string Name, Tensor Buffer)> _buffers = new();

    protected Module(IComputeBackend backend) => Backend = backend;

    public IComputeBackend Backend { get; }

    public bool Training { get; private set; } = true;

    protected T AddModule<T>(string name, T module) where T : Module
    {
        _children.Add((name, module));
        return module;
    }

    protected Parameter AddParameter(string name, Parameter parameter)
    {
        _parameters.Add((name, parameter));
        return parameter;
    }

    protected Parameter AddParameter(string name, ReadOnlySpan<float> values, params int[] shape) =>
        AddParameter(name, Parameter.From(Backend, values, shape));

    /// <summary>Registers a non-trainable state tensor (running statistics, an "initialized" flag).</summary>
    protected Tensor AddBuffer(string name, ReadOnlySpan<float> values, params int[] shape)
    {
        var t = Tensor.EmptyPinned(Backend, shape);
        t.CopyFrom(values);
        _buffers.Add((name, t));
        return t;
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return (prefix + name, p);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedParameters(prefix + name + "."))
                yield return item;
    }

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers) yield return (prefix + name, b);
        foreach (var (name, child) in _children)
            foreach (var item in child.NamedBuffers(prefix + name + "."))
                yield return item;
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    public long ParameterCount() => NamedParameters().Sum(p => (long)p.Parameter.Length);

    public void Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in _children) child.Train(training);
    }

    public void Eval() => Train(false);

    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Every parameter and buffer by its dotted name, copied to the host.</summary>
    public StateDict StateDict()
    {
        var dict = new StateDict();
        foreach (var (name, p) in NamedParameters()) dict.Add(name, p.Shape, p.ToArray());
        foreach (var (name, b) in NamedBuffers()) dict.Add(name, b.Shape, b.ToArray());
        return dict;
    }

    /// <summary>
    /// Copies values in by name. Missing, unexpected or mis-shaped entries are refused with one message that
    /// lists them all, and nothing is changed.
    /// </summary>
    public void LoadStateDict(StateDict state)
    {
        var targets = NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter))
            .Concat(NamedBuffers()).ToList();
        var problems = new List<string>();
        foreach (var (name, t) in targets)
        {
            if (!state.TryGet(name, out var entry)) problems.Add($"missing '{name}'");
            else if (!Shapes.Equal(entry.Shape, t.Shape))
                problems.Add($"'{name}' has shape {Shapes.Format(entry.Shape)}, the model needs {Shapes.Format(t.Shape)}");
        }
        var known = targets.Select(t => t.Name).ToHashSet();
        foreach (var name in state.Names)
            if (!known.Contains(name)) problems.Add($"unexpected '{name}'");
        if (problems.Count > 0)
            throw new StateDictMismatchException("the saved state does not fit this model: " + string.Join("; ", problems.Take(12))
                + (problems.Count > 12 ? $"; and {problems.Count - 12} more" : ""));
        foreach (var (name, t) in targets) t.CopyFrom(state[name].Values);
    }
}

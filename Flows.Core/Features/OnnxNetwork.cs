using Flows.Core.Onnx;
using Flows.Kernels;

namespace Flows.Core.Features;

/// <summary>
/// An ONNX inference graph compiled onto the engine: each supported node becomes one call of Ops, with the
/// initializers uploaded once as pinned tensors. Supported: Conv, BatchNormalization (inference), Relu, Add, MaxPool, AveragePool,
/// GlobalAveragePool, Flatten, with the attribute values listed in docs/FEATURES.md; anything else is an
/// <see cref="OnnxFormatException"/> naming the node at construction.
/// A forward pass runs without gradients, frees each intermediate right after its last reader, and runs Relu
/// and Add in place when their input has no later reader.
/// </summary>
public sealed class OnnxNetwork : IDisposable
{
    private readonly List<Step> _steps = new();
    private readonly List<Tensor> _weights = new();
    private readonly Dictionary<string, int> _slots = new();
    private readonly int _inputSlot, _outputSlot, _slotCount;
    private bool _disposed;

    /// <summary>Compiles <paramref name="graph"/> (one runtime input, one output) for <paramref name="backend"/>.</summary>
    public OnnxNetwork(IComputeBackend backend, OnnxGraph graph, OnnxNetworkOptions? options = null)
    {
        Backend = backend;
        Options = options ?? new OnnxNetworkOptions();
        var inputs = graph.RuntimeInputs;
        if (inputs.Count != 1) throw new OnnxFormatException($"ONNX graph '{graph.Name}': expected one runtime input, found {inputs.Count}");
        if (graph.Outputs.Count != 1) throw new OnnxFormatException($"ONNX graph '{graph.Name}': expected one output, found {graph.Outputs.Count}");
        InputName = inputs[0].Name;
        OutputName = graph.Outputs[0].Name;
        var constants = graph.Initializers.ToDictionary(t => t.Name);
        var readers = CountReaders(graph);
        _inputSlot = Slot(InputName);
        try
        {
            var folded = new HashSet<OnnxNode>(ReferenceEqualityComparer.Instance);
            foreach (var node in graph.Nodes)
            {
                if (folded.Contains(node)) continue;
                var next = Options.FoldBatchNorm && node.OpType == "Conv" ? FoldableBatchNorm(graph, node, readers) : null;
                if (next is not null) folded.Add(next);
                Compile(node, next, constants);
            }
            if (!_slots.ContainsKey(OutputName)) throw new OnnxFormatException($"ONNX graph '{graph.Name}': no node produces the output '{OutputName}'");
            _outputSlot = _slots[OutputName];
            _slotCount = _slots.Count;
            ComputeLastUses();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The backend the weights live on.</summary>
    public IComputeBackend Backend { get; }

    /// <summary>The options it was compiled with.</summary>
    public OnnxNetworkOptions Options { get; }

    /// <summary>The graph's runtime input name.</summary>
    public string InputName { get; }

    /// <summary>The graph's output name.</summary>
    public string OutputName { get; }

    /// <summary>The engine calls, in order, by op name (after folding: "Conv+BatchNormalization").</summary>
    public IReadOnlyList<string> StepNames => _steps.Select(s => s.Name).ToList();

    /// <summary>
    /// Runs the graph on <paramref name="input"/> (not consumed) and returns the output tensor, which the
    /// caller disposes. No gradients are recorded.
    /// </summary>
    public Tensor Forward(Tensor input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = Autograd.NoGrad();
        using var scope = new TensorScope();
        var values = new Tensor?[_slotCount];
        values[_inputSlot] = input;
        for (int i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            var args = new Tensor[step.Inputs.Length];
            for (int j = 0; j < args.Length; j++)
                args[j] = values[step.Inputs[j]] ?? throw new InvalidOperationException($"value of step {step.Name} input {j} is missing");
            var result = step.Run(args, step.LastUseOfFirstInput && step.Inputs[0] != _inputSlot);
            values[step.Output] = result;
            foreach (int slot in step.FreeAfter)
                if (slot != _inputSlot && !ReferenceEquals(values[slot], result))
                {
                    values[slot]!.Dispose();
                    values[slot] = null;
                }
        }
        return scope.Keep(values[_outputSlot]!);
    }

    /// <summary>Frees the uploaded weights.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in _weights) w.Dispose();
        _weights.Clear();
    }

    // ---- compilation --------------------------------------------------------------------------------

    /// <summary>One engine call: reads slots, writes a slot. inPlace says the first input may be overwritten.</summary>
    private sealed record Step(string Name, int[] Inputs, int Output, Func<Tensor[], bool, Tensor> Run)
    {
        public int[] FreeAfter { get; set; } = [];
        public bool LastUseOfFirstInput { get; set; }
    }

    private int Slot(string name)
    {
        if (!_slots.TryGetValue(name, out int slot)) _slots[name] = slot = _slots.Count;
        return slot;
    }

    private static Dictionary<string, int> CountReaders(OnnxGraph graph)
    {
        var readers = new Dictionary<string, int>();
        foreach (var n in graph.Nodes)
            foreach (var i in n.Inputs.Where(i => i.Length > 0))
                readers[i] = readers.GetValueOrDefault(i) + 1;
        foreach (var o in graph.Outputs) readers[o.Name] = readers.GetValueOrDefault(o.Name) + 1;
        return readers;
    }

    /// <summary>The BatchNormalization that alone reads this Conv's output, or null.</summary>
    private static OnnxNode? FoldableBatchNorm(OnnxGraph graph, OnnxNode conv, Dictionary<string, int> readers)
    {
        if (conv.Outputs.Count != 1 || readers.GetValueOrDefault(conv.Outputs[0]) != 1) return null;
        var bn = graph.Nodes.FirstOrDefault(n => n.Inputs.Count > 0 && n.Inputs[0] == conv.Outputs[0]);
        return bn is { OpType: "BatchNormalization" } ? bn : null;
    }

    private void ComputeLastUses()
    {
        var last = new Dictionary<int, int>();
        for (int i = 0; i < _steps.Count; i++)
            foreach (int s in _steps[i].Inputs) last[s] = i;
        for (int i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            step.FreeAfter = step.Inputs.Distinct().Where(s => last[s] == i && s != _outputSlot).ToArray();
            step.LastUseOfFirstInput = step.Inputs.Length > 0 && last[step.Inputs[0]] == i
                && step.Inputs.Count(s => s == step.Inputs[0]) == 1 && step.Inputs[0] != _outputSlot;
        }
    }

    private Tensor Upload(float[] values, int[] shape)
    {
        var t = Tensor.EmptyPinned(Backend, shape);
        Backend.Upload(values, t.Buffer);
        _weights.Add(t);
        return t;
    }

    private static OnnxTensor Constant(OnnxNode node, int index, Dictionary<string, OnnxTensor> constants, string role)
    {
        if (index >= node.Inputs.Count || node.Inputs[index].Length == 0)
            throw new OnnxFormatException($"ONNX node '{node.Name}' ({node.OpType}): input {index} ({role}) is missing");
        return constants.TryGetValue(node.Inputs[index], out var t) ? t
            : throw new OnnxFormatException($"ONNX node '{node.Name}' ({node.OpType}): {role} '{node.Inputs[index]}' must be an initializer");
    }

    private void Add(string name, OnnxNode node, IEnumerable<string> inputs, string output, Func<Tensor[], bool, Tensor> run)
    {
        var inputSlots = inputs.Select(i => _slots.TryGetValue(i, out int s) ? s
            : throw new OnnxFormatException($"ONNX node '{node.Name}' ({node.OpType}): input '{i}' is produced by no earlier node (graph not in topological order?)")).ToArray();
        _steps.Add(new Step(name, inputSlots, Slot(output), run));
    }

    private void Compile(OnnxNode node, OnnxNode? foldedBn, Dictionary<string, OnnxTensor> constants)
    {
        var at = new NodeAttributes(node);
        if (node.Domain.Length > 0 && node.Domain != "ai.onnx") throw at.Unsupported($"domain '{node.Domain}'");
        if (node.Outputs.Count != 1 && node.OpType != "BatchNormalization") throw at.Unsupported($"{node.Outputs.Count} outputs");
        switch (node.OpType)
        {
            case "Conv": CompileConv(node, at, foldedBn, constants); break;
            case "BatchNormalization":
            {
                if (node.Outputs.Count != 1) throw at.Unsupported($"{node.Outputs.Count} outputs (training-mode BatchNormalization)");
                var p = BatchNormParameters(node, constants);
                var gamma = Upload(p.Gamma, [p.Gamma.Length]);
                var beta = Upload(p.Beta, [p.Beta.Length]);
                var mean = Upload(p.Mean, [p.Mean.Length]);
                var variance = Upload(p.Variance, [p.Variance.Length]);
                Add("BatchNormalization", node, [node.Inputs[0]], node.Outputs[0],
                    (x, _) => Ops.BatchNorm(x[0], gamma, beta, mean, variance, training: false, epsilon: p.Epsilon));
                break;
            }
            case "Relu":
                Add("Relu", node, [node.Inputs[0]], node.Outputs[0], (x, inPlace) =>
                {
                    if (!inPlace) return Ops.Relu(x[0]);
                    Backend.Unary(UnaryOp.Relu, x[0].Buffer, x[0].Buffer, x[0].Length); // the contract allows y = x
                    return x[0];
                });
                break;
            case "Add":
                if (node.Inputs.Count != 2) throw at.Unsupported($"{node.Inputs.Count} inputs");
                Add("Add", node, node.Inputs, node.Outputs[0], (x, inPlace) =>
                {
                    if (!x[0].Shape.SequenceEqual(x[1].Shape))
                        throw at.Unsupported($"broadcasting {Shapes.Format(x[0].Shape)} + {Shapes.Format(x[1].Shape)}");
                    if (!inPlace) return Ops.Add(x[0], x[1]);
                    var n = new Ncs(1, 1, x[0].Length);
                    Backend.Binary(BinaryOp.Add, x[0].Buffer, n, x[1].Buffer, n, x[0].Buffer); // c may be a (contract)
                    return x[0];
                });
                break;
            case "MaxPool":
            {
                at.RequireNoAutoPad();
                at.RequireInt("ceil_mode", 0);
                at.RequireInt("storage_order", 0);
                at.RequireAll("dilations", 1);
                int k = at.SquareKernel(null), s = at.Stride();
                var pads = at.Padding();
                Add("MaxPool", node, [node.Inputs[0]], node.Outputs[0], (x, _) =>
                {
                    pads.CheckOutput(x[0].Shape[2], k, s);
                    pads.CheckOutput(x[0].Shape[3], k, s);
                    return Ops.MaxPool2d(x[0], k, s, pads.Begin);
                });
                break;
            }
            case "AveragePool":
            {
                at.RequireNoAutoPad();
                at.RequireInt("ceil_mode", 0);
                int k = at.SquareKernel(null);
                var pads = at.Padding();
                var mode = Options.AveragePool;
                Add("AveragePool", node, [node.Inputs[0]], node.Outputs[0], (x, _) =>
                {
                    if (mode == AveragePoolMode.AsWritten && (x[0].Shape[2] != k || x[0].Shape[3] != k || pads.Begin != 0))
                        throw new OnnxFormatException($"ONNX node '{node.Name}' (AveragePool): a {k}×{k} window on a {x[0].Shape[2]}×{x[0].Shape[3]} input is not a global average; only that case runs as written (choose AveragePoolMode.Global, docs/FEATURES.md)");
                    return Ops.GlobalAveragePool(x[0]);
                });
                break;
            }
            case "GlobalAveragePool":
                Add("GlobalAveragePool", node, [node.Inputs[0]], node.Outputs[0], (x, _) => Ops.GlobalAveragePool(x[0]));
                break;
            case "Flatten":
            {
                long axis = at.Int("axis", 1);
                if (axis != 1) throw at.Unsupported($"axis={axis} (only 1)");
                // A copy, not a view: the input is freed after its last reader, and a view would share its memory.
                Add("Flatten", node, [node.Inputs[0]], node.Outputs[0], (x, _) => Ops.Reshape(x[0], x[0].Shape[0], x[0].Length / x[0].Shape[0]).DetachedCopy());
                break;
            }
            default:
                throw new OnnxFormatException($"ONNX node '{node.Name}': op type '{node.OpType}' is not supported (supported: Conv, BatchNormalization, Relu, Add, MaxPool, AveragePool, GlobalAveragePool, Flatten)");
        }
    }

    private void CompileConv(OnnxNode node, NodeAttributes at, OnnxNode? foldedBn, Dictionary<string, OnnxTensor> constants)
    {
        at.RequireNoAutoPad();
        at.RequireInt("group", 1);
        at.RequireAll("dilations", 1);
        var weightTensor = Constant(node, 1, constants, "weight");
        var shape = weightTensor.Shape;
        if (shape.Length != 4 || shape[2] != shape[3] || shape[2] % 2 == 0)
            throw at.Unsupported($"weight shape [{string.Join(", ", shape)}] (only odd square 2-D kernels)");
        int k = at.SquareKernel(shape[2]), stride = at.Stride();
        var pads = at.Padding();
        var weight = weightTensor.RequireFloats("Conv weight");
        float[] bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? Constant(node, 2, constants, "bias").RequireFloats("Conv bias") : [];
        if (bias.Length != 0 && bias.Length != shape[0]) throw at.Unsupported($"a bias of {bias.Length} values for {shape[0]} output channels");
        string name = "Conv", output = node.Outputs[0];
        if (foldedBn is not null)
        {
            var p = BatchNormParameters(foldedBn, constants);
            if (p.Gamma.Length != shape[0]) throw new NodeAttributes(foldedBn).Unsupported($"{p.Gamma.Length} channels after a Conv of {shape[0]}");
            (weight, bias) = BatchNormFolding.Fold(weight, bias, p.Gamma, p.Beta, p.Mean, p.Variance, p.Epsilon);
            name = "Conv+BatchNormalization";
            output = foldedBn.Outputs[0];
        }
        var w = Upload(weight, shape);
        var b = bias.Length > 0 ? Upload(bias, [bias.Length]) : null;
        // Per input plane size, the dense matrix of a convolution whose output is one pixel (see OnePixelWeights).
        var onePixel = new Dictionary<(int H, int W), Tensor>();
        Add(name, node, [node.Inputs[0]], output, (x, _) =>
        {
            int n = x[0].Shape[0], c = x[0].Shape[1], h = x[0].Shape[2], wd = x[0].Shape[3];
            pads.CheckOutput(h, k, stride);
            pads.CheckOutput(wd, k, stride);
            // A convolution with a 1×1 output is one matrix product over the whole input: with the taps that fall
            // on padding dropped, y[n] = W'·x[n] for a (Cout, Cin·H·W) W'. ResNet-18's last stage is 1×1 at input
            // size 32, where the padded 3×3 taps are 8/9 of the work and a per-sample GEMM of one column is slow
            // (docs/FEATURES.md, "Speed"); one Linear over the batch does the same sums.
            if ((h + 2 * pads.Begin - k) / stride + 1 == 1 && (wd + 2 * pads.Begin - k) / stride + 1 == 1)
            {
                if (!onePixel.TryGetValue((h, wd), out var dense))
                    onePixel[(h, wd)] = dense = Upload(OnePixelWeights(weight, shape, h, wd, pads.Begin), [shape[0], c * h * wd]);
                // An owning tensor, not a view: the network frees each step's output after its last reader.
                return Ops.Reshape(Ops.Linear(Ops.Reshape(x[0], n, c * h * wd), dense, b), n, shape[0], 1, 1).DetachedCopy();
            }
            return Ops.Conv2d(x[0], w, b, pads.Begin, stride);
        });
    }

    /// <summary>
    /// W'[co, (ci, iy, ix)] = w[co, ci, iy + pad, ix + pad] for the one output pixel of a convolution on an h×w plane:
    /// the taps that read padding are left out, and input pixels outside the window get 0.
    /// </summary>
    internal static float[] OnePixelWeights(float[] weight, int[] shape, int h, int w, int pad)
    {
        int outC = shape[0], inC = shape[1], k = shape[2];
        var dense = new float[outC * inC * h * w];
        for (int co = 0; co < outC; co++)
            for (int ci = 0; ci < inC; ci++)
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++)
                    {
                        int ky = iy + pad, kx = ix + pad;
                        if (ky < k && kx < k)
                            dense[((co * inC + ci) * h + iy) * w + ix] = weight[((co * inC + ci) * k + ky) * k + kx];
                    }
        return dense;
    }

    private readonly record struct BnParameters(float[] Gamma, float[] Beta, float[] Mean, float[] Variance, float Epsilon);

    private static BnParameters BatchNormParameters(OnnxNode node, Dictionary<string, OnnxTensor> constants)
    {
        var at = new NodeAttributes(node);
        at.RequireInt("spatial", 1); // opset < 9: spatial = 0 would mean per-element statistics
        if (node.Outputs.Count != 1) throw at.Unsupported($"{node.Outputs.Count} outputs (training-mode BatchNormalization)");
        var gamma = Constant(node, 1, constants, "scale").RequireFloats("BatchNormalization scale");
        var beta = Constant(node, 2, constants, "B").RequireFloats("BatchNormalization B");
        var mean = Constant(node, 3, constants, "mean").RequireFloats("BatchNormalization mean");
        var variance = Constant(node, 4, constants, "var").RequireFloats("BatchNormalization var");
        if (beta.Length != gamma.Length || mean.Length != gamma.Length || variance.Length != gamma.Length)
            throw at.Unsupported($"parameters of {gamma.Length}, {beta.Length}, {mean.Length}, {variance.Length} values (must agree)");
        return new BnParameters(gamma, beta, mean, variance, at.Float("epsilon", 1e-5f));
    }
}

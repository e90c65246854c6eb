using Flows.Core.Onnx;

namespace Flows.Core.Features;

/// <summary>
/// Reads and checks a node's attributes against what the interpreter supports, with the ONNX defaults
/// (https://onnx.ai/onnx/operators/). Every refusal is an <see cref="OnnxFormatException"/> naming the node,
/// the attribute and the value.
/// </summary>
internal readonly struct NodeAttributes(OnnxNode node)
{
    public OnnxNode Node => node;

    public OnnxFormatException Unsupported(string what) =>
        new($"ONNX node '{node.Name}' ({node.OpType}): {what} is not supported");

    public long Int(string name, long fallback)
    {
        var a = node.Attribute(name);
        if (a is null) return fallback;
        if (a.Type != OnnxAttributeType.Int) throw Unsupported($"attribute '{name}' of type {a.Type} (expected Int)");
        return a.I;
    }

    public float Float(string name, float fallback)
    {
        var a = node.Attribute(name);
        if (a is null) return fallback;
        if (a.Type != OnnxAttributeType.Float) throw Unsupported($"attribute '{name}' of type {a.Type} (expected Float)");
        return a.F;
    }

    public IReadOnlyList<long>? Ints(string name)
    {
        var a = node.Attribute(name);
        if (a is null) return null;
        if (a.Type != OnnxAttributeType.Ints) throw Unsupported($"attribute '{name}' of type {a.Type} (expected Ints)");
        return a.Ints;
    }

    /// <summary>auto_pad must be NOTSET (the default): SAME_UPPER/SAME_LOWER/VALID are not interpreted.</summary>
    public void RequireNoAutoPad()
    {
        var a = node.Attribute("auto_pad");
        if (a is not null && a.Text != "NOTSET") throw Unsupported($"auto_pad={a.Text} (only NOTSET)");
    }

    /// <summary>An attribute that, when present, must hold <paramref name="allowed"/>.</summary>
    public void RequireInt(string name, long allowed)
    {
        long v = Int(name, allowed);
        if (v != allowed) throw Unsupported($"{name}={v} (only {allowed})");
    }

    /// <summary>Every element of an Ints attribute, when present, must be <paramref name="allowed"/>.</summary>
    public void RequireAll(string name, long allowed)
    {
        var v = Ints(name);
        if (v is not null && v.Any(x => x != allowed)) throw Unsupported($"{name}=[{string.Join(", ", v)}] (only {allowed})");
    }

    /// <summary>A square 2-D window: kernel_shape [k, k], or [k, k] taken from the weight when absent.</summary>
    public int SquareKernel(int? fromWeight)
    {
        var ks = Ints("kernel_shape");
        if (ks is null)
            return fromWeight ?? throw Unsupported("a missing kernel_shape");
        if (ks.Count != 2 || ks[0] != ks[1]) throw Unsupported($"kernel_shape=[{string.Join(", ", ks)}] (only square 2-D kernels)");
        if (fromWeight is not null && ks[0] != fromWeight) throw Unsupported($"kernel_shape=[{string.Join(", ", ks)}] with a {fromWeight}×{fromWeight} weight");
        return (int)ks[0];
    }

    /// <summary>Equal strides in both directions (default 1).</summary>
    public int Stride()
    {
        var s = Ints("strides");
        if (s is null) return 1;
        if (s.Count != 2 || s[0] != s[1] || s[0] < 1) throw Unsupported($"strides=[{string.Join(", ", s)}] (only equal positive strides)");
        return (int)s[0];
    }

    /// <summary>
    /// pads [top, left, bottom, right]. The engine pads all sides alike, so the begin pads must be equal and
    /// each end pad at most the begin pad; an end pad smaller than the begin pad gives the same values at the
    /// input sizes where it gives the same output size, which <see cref="Pads.CheckOutput"/> checks at run time
    /// (the ResNet stem's [3, 3, 2, 2], a CNTK export habit, docs/FEATURES.md).
    /// </summary>
    public Pads Padding()
    {
        var p = Ints("pads");
        if (p is null) return new Pads(0, 0, node.Name);
        if (p.Count != 4 || p[0] != p[1] || p[2] != p[3] || p[2] > p[0] || p[2] < 0)
            throw Unsupported($"pads=[{string.Join(", ", p)}] (only [p, p, e, e] with 0 ≤ e ≤ p)");
        return new Pads((int)p[0], (int)p[2], node.Name);
    }
}

/// <summary>Begin and end padding of a 2-D window op (equal in both directions).</summary>
internal readonly record struct Pads(int Begin, int End, string NodeName)
{
    /// <summary>
    /// Throws when padding the end by <see cref="End"/> instead of <see cref="Begin"/> would change the output
    /// size at this input size (then the symmetric computation would produce an extra row and column).
    /// </summary>
    public void CheckOutput(int size, int kernel, int stride)
    {
        if (End == Begin) return;
        int asWritten = (size + Begin + End - kernel) / stride + 1, symmetric = (size + 2 * Begin - kernel) / stride + 1;
        if (asWritten != symmetric)
            throw new OnnxFormatException($"ONNX node '{NodeName}': pads [{Begin}, {Begin}, {End}, {End}] on a {size}×{size} input give {asWritten} outputs, symmetric padding {symmetric}; use an input size where they agree (e.g. an even size)");
    }
}

using System.Globalization;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The launches of one run of a step, in order, and the buffers the run both rented and returned (its temporaries). A capture is
/// replayable when its launches match the traced run's: the same kernels with equal arguments, every view on the same
/// buffer, except that a temporary of one run may stand for a temporary of the other, one for one (docs/PERFORMANCE.md,
/// "Streams and CUDA graphs"): the graph owns its temporaries, so only the buffers that outlive a step must be the
/// same. <see cref="Difference"/> says where two runs part.
/// </summary>
internal sealed class LaunchTrace : ILaunchInterceptor
{
    private readonly bool _run;

    /// <param name="run">Whether a launch also runs now (a trace, a CUDA capture) or only is listed.</param>
    public LaunchTrace(bool run) => _run = run;

    public List<KernelLaunch> Launches { get; } = new();

    /// <summary>The device memory of the buffers the run rented and returned (set by the recorder when the run ends).</summary>
    public IReadOnlySet<MemoryBuffer> Temporaries { get; set; } = new HashSet<MemoryBuffer>();

    public void Launch(KernelLaunch launch)
    {
        Launches.Add(launch);
        if (_run) launch.Run();
    }

    /// <summary>Null when both runs launch the same; otherwise the first difference, in words.</summary>
    public static string? Difference(LaunchTrace traced, LaunchTrace captured)
    {
        var a = traced.Launches;
        var b = captured.Launches;
        var map = new Dictionary<MemoryBuffer, MemoryBuffer>(ReferenceEqualityComparer.Instance);
        var mapped = new HashSet<MemoryBuffer>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (!ReferenceEquals(a[i].Loaded, b[i].Loaded))
                return $"launch {i + 1} is {b[i].Kernel}, the traced step launched {a[i].Kernel} there";
            for (int k = 0; k < a[i].Arguments.Length; k++)
            {
                var x = Leaves(a[i].Arguments[k], "");
                var y = Leaves(b[i].Arguments[k], "");
                for (int l = 0; l < x.Count; l++)
                {
                    string? why = LeafDifference(x[l].Value, y[l].Value, traced, captured, map, mapped);
                    if (why is null) continue;
                    string field = x[l].Path.Length > 0 ? $" ({x[l].Path})" : "";
                    return $"launch {i + 1} ({b[i].Kernel}) changes between steps: argument {k + 1}{field} {why}";
                }
            }
        }
        return a.Count == b.Count ? null : $"the step launched {b.Count} kernels, the traced step {a.Count}";
    }

    private static string? LeafDifference(object? x, object? y, LaunchTrace traced, LaunchTrace captured,
                                          Dictionary<MemoryBuffer, MemoryBuffer> map, HashSet<MemoryBuffer> mapped)
    {
        if (x is IContiguousArrayView u && y is IContiguousArrayView v)
        {
            if (u.IndexInBytes != v.IndexInBytes || u.LengthInBytes != v.LengthInBytes) return "is another part of a buffer";
            if (ReferenceEquals(u.Buffer, v.Buffer)) return null;
            bool temporaries = traced.Temporaries.Contains(u.Buffer) && captured.Temporaries.Contains(v.Buffer);
            if (temporaries && map.TryGetValue(u.Buffer, out var seen)) return ReferenceEquals(seen, v.Buffer) ? null : "is another temporary buffer";
            if (temporaries && mapped.Add(v.Buffer))
            {
                map[u.Buffer] = v.Buffer;
                return null;
            }
            return "is another buffer (a buffer that outlives the step must be the same every step)";
        }
        return Equals(x, y) ? null : $"{Text(x)} → {Text(y)} (a per-step value passed as a kernel argument)";
    }

    // An argument as its leaves: views, and the values of its primitive fields, struct fields flattened ("X", "Op.Scale").
    private static List<(string Path, object? Value)> Leaves(object? value, string path)
    {
        var leaves = new List<(string, object?)>();
        Collect(value, path, leaves, depth: 0);
        return leaves;
    }

    private static void Collect(object? value, string path, List<(string, object?)> leaves, int depth)
    {
        if (value is null || value is IContiguousArrayView || depth > 4 || !value.GetType().IsValueType || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            leaves.Add((path, value));
            return;
        }
        var fields = value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (fields.Length == 0) leaves.Add((path, value));
        foreach (var field in fields)
            Collect(field.GetValue(value), path.Length == 0 ? Name(field) : $"{path}.{Name(field)}", leaves, depth + 1);
    }

    // Auto-properties' backing fields are named "<X>k__BackingField".
    private static string Name(FieldInfo field) =>
        field.Name.StartsWith('<') && field.Name.IndexOf('>') is > 1 and var end ? field.Name[1..end] : field.Name;

    private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}

using System.Globalization;
using System.Reflection;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The launches of one run of a step, in order. A capture is replayable when its launches equal the traced run's:
/// the same kernels with the same arguments on the same buffers, so nothing the host passes changes from one step to
/// the next (docs/PERFORMANCE.md, "Streams and CUDA graphs"). <see cref="Difference"/> says where they part.
/// </summary>
internal sealed class LaunchTrace : ILaunchInterceptor
{
    private readonly bool _run;

    /// <param name="run">Whether a launch also runs now (a trace, a CUDA capture) or only is listed.</param>
    public LaunchTrace(bool run) => _run = run;

    public List<KernelLaunch> Launches { get; } = new();

    public void Launch(KernelLaunch launch)
    {
        Launches.Add(launch);
        if (_run) launch.Run();
    }

    /// <summary>Null when both traces launch the same; otherwise the first difference, in words.</summary>
    public static string? Difference(LaunchTrace traced, LaunchTrace captured)
    {
        var a = traced.Launches;
        var b = captured.Launches;
        for (int i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (a[i].SameAs(b[i])) continue;
            if (!ReferenceEquals(a[i].Loaded, b[i].Loaded))
                return $"launch {i + 1} is {b[i].Kernel}, the traced step launched {a[i].Kernel} there";
            return $"launch {i + 1} ({b[i].Kernel}) changes between steps: {ArgumentDifference(a[i].Arguments, b[i].Arguments)}";
        }
        return a.Count == b.Count ? null : $"the step launched {b.Count} kernels, the traced step {a.Count}";
    }

    private static string ArgumentDifference(object?[] traced, object?[] captured)
    {
        for (int k = 0; k < traced.Length; k++)
        {
            if (Equals(traced[k], captured[k])) continue;
            return $"argument {k + 1}{FieldDifference(traced[k], captured[k])}";
        }
        return "an argument";
    }

    // For an argument struct, the first field that differs: "StepSize 0.001 → 0.0012", or "X is another buffer".
    private static string FieldDifference(object? traced, object? captured)
    {
        if (traced is null || captured is null || traced.GetType() != captured.GetType()) return "";
        var type = traced.GetType();
        if (IsView(type)) return " is another buffer (the step must use the same buffers every time)";
        if (type.IsPrimitive) return $" {Text(traced)} → {Text(captured)} (a per-step value passed as a kernel argument)";
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            object? x = field.GetValue(traced), y = field.GetValue(captured);
            if (Equals(x, y)) continue;
            return IsView(field.FieldType)
                ? $" ({field.Name} is another buffer: the step must use the same buffers every time)"
                : $" ({field.Name} {Text(x)} → {Text(y)}: a per-step value passed as a kernel argument)";
        }
        return "";
    }

    private static bool IsView(Type type) => type.Name.StartsWith("ArrayView", StringComparison.Ordinal);

    private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}

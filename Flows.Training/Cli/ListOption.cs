namespace Flows.Training.Cli;

/// <summary>
/// The one rule for options that take a list (--ood, --scores, --data, --image, …): values may be comma-separated,
/// repeated, or both, and accumulate in command-line order (--ood a --ood b,c is a, b, c); a value listed twice is
/// refused (case-insensitive), so a repeated flag never silently replaces the previous one.
/// </summary>
public static class ListOption
{
    /// <summary>
    /// Every value of --<paramref name="name"/>, or those of <paramref name="fallback"/> when the option is not given
    /// (an empty list when the fallback is null).
    /// </summary>
    /// <exception cref="UsageException">The option was given but holds no value, or a value appears twice.</exception>
    public static IReadOnlyList<string> Values(ParsedArgs args, string name, string? fallback)
    {
        ArgumentNullException.ThrowIfNull(args);
        var given = args.All(name);
        if (given.Count == 0 && fallback is null) return [];
        var values = (given.Count > 0 ? given : [fallback!])
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (values.Count == 0) throw new UsageException($"--{name} needs at least one value");
        var twice = values.GroupBy(v => v, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new UsageException($"--{name}: '{twice.Key}' is listed twice; give each once");
        return values;
    }
}

using System.Globalization;

namespace Flows.Training.Cli;

/// <summary>The options of one command after parsing, with typed accessors that name the option on error.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _flags;
    private readonly string _command;
    private readonly IReadOnlyDictionary<string, IReadOnlyList<string>> _all;

    public ParsedArgs(string command, Dictionary<string, string> values, HashSet<string> flags, IReadOnlyList<string> positional,
                      IReadOnlyDictionary<string, IReadOnlyList<string>>? all = null)
    {
        _all = all ?? values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[kv.Value]);
        _command = command;
        _values = values;
        _flags = flags;
        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    public IReadOnlyDictionary<string, string> Values => _values;

    public bool Has(string name) => _values.ContainsKey(name) || _flags.Contains(name);

    public bool Flag(string name) => _flags.Contains(name);

    public string? String(string name) => _values.GetValueOrDefault(name);

    /// <summary>Every value given for an option that may be repeated, in command-line order.</summary>
    public IReadOnlyList<string> All(string name) => _all.TryGetValue(name, out var v) ? v : [];

    public string Required(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new UsageException($"'{_command}' needs --{name}; see 'flows {_command} --help'");

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? ParseInt(name, v) : fallback;

    public int? IntOrNull(string name) => _values.TryGetValue(name, out var v) ? ParseInt(name, v) : null;

    public double Double(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var v)) return fallback;
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
            throw new UsageException($"--{name} expects a number, got '{v}'");
        return d;
    }

    private static int ParseInt(string name, string v) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new UsageException($"--{name} expects a whole number, got '{v}'");

    /// <summary>Values of the given options that were set, for model-size overrides.</summary>
    public Dictionary<string, string> Subset(params string[] names) =>
        names.Where(_values.ContainsKey).ToDictionary(n => n, n => _values[n]);
}

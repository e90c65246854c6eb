using System.Globalization;

namespace OodScoring;

/// <summary>A wrong command line, said in one line.</summary>
public sealed class OptionException(string message) : Exception(message);

/// <summary>`--name value` pairs and `--flag`s: all this sample needs, so it depends on nothing but Flows.Core.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new OptionException($"unexpected '{list[i]}'; options start with --");
            string name = list[i][2..];
            string? value = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) ? list[++i] : null;
            if (!options._values.TryAdd(name, value)) throw new OptionException($"--{name} is given twice");
        }
        return options;
    }

    public string Required(string name) =>
        String(name) ?? throw new OptionException($"--{name} is required");

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v ?? throw new OptionException($"--{name} needs a value") : null;

    public bool Flag(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback) =>
        String(name) is { } s ? int.TryParse(s, CultureInfo.InvariantCulture, out int v) ? v : throw new OptionException($"--{name} takes a whole number, got '{s}'") : fallback;

    public double Double(string name, double fallback) =>
        String(name) is { } s ? double.TryParse(s, CultureInfo.InvariantCulture, out double v) ? v : throw new OptionException($"--{name} takes a number, got '{s}'") : fallback;
}

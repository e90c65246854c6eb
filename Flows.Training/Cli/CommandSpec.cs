using System.Text;

namespace Flows.Training.Cli;

/// <summary>A sub-command: its name, summary, options, and the action that runs it (returns the exit code).</summary>
public sealed class CommandSpec
{
    public CommandSpec(string name, string summary, IReadOnlyList<OptionSpec> options, Func<ParsedArgs, int> run,
                       string? usageTail = null)
    {
        Name = name;
        Summary = summary;
        Options = options;
        Run = run;
        UsageTail = usageTail;
    }

    public string Name { get; }
    public string Summary { get; }
    public IReadOnlyList<OptionSpec> Options { get; }
    public Func<ParsedArgs, int> Run { get; }
    public string? UsageTail { get; }

    /// <summary>Parses --name value / --name=value / --flag; unknown options are a UsageException.</summary>
    public ParsedArgs Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>();
        var repeated = new Dictionary<string, List<string>>();
        var flags = new HashSet<string>();
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (UsageTail is null)
                    throw new UsageException($"unexpected argument '{arg}' for '{Name}'; see 'flows {Name} --help'");
                positional.Add(arg);
                continue;
            }
            var body = arg[2..];
            string? inline = null;
            int eq = body.IndexOf('=');
            if (eq >= 0) { inline = body[(eq + 1)..]; body = body[..eq]; }
            var spec = Options.FirstOrDefault(o => string.Equals(o.Name, body, StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"unknown option --{body} for '{Name}'; see 'flows {Name} --help'");
            if (spec.IsFlag)
            {
                if (inline is not null) throw new UsageException($"--{spec.Name} takes no value");
                flags.Add(spec.Name);
                continue;
            }
            var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"--{spec.Name} needs a value ({spec.ValueName})"));
            values[spec.Name] = value;
            // The last value wins for single options; repeatable ones (--image A --image B) read them all.
            if (!repeated.TryGetValue(spec.Name, out var list)) repeated[spec.Name] = list = new List<string>();
            list.Add(value);
        }
        return new ParsedArgs(Name, values, flags, positional, repeated.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value));
    }

    public string Help()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"flows {Name}{(UsageTail is null ? "" : " " + UsageTail)} [options]");
        sb.AppendLine();
        sb.AppendLine(Summary);
        sb.AppendLine();
        sb.AppendLine("Options:");
        int width = Options.Count == 0 ? 0 : Options.Max(o => OptionLabel(o).Length);
        foreach (var o in Options)
        {
            var def = o.Default is null ? "" : $" (default: {o.Default})";
            sb.AppendLine($"  {OptionLabel(o).PadRight(width)}  {o.Help}{def}");
        }
        sb.AppendLine($"  {"--help".PadRight(width)}  show this help");
        return sb.ToString();
    }

    private static string OptionLabel(OptionSpec o) => o.IsFlag ? $"--{o.Name}" : $"--{o.Name} {o.ValueName}";
}

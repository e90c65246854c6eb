using System.CommandLine;
using System.CommandLine.Parsing;

namespace Flows.Training.Cli;

/// <summary>
/// One <see cref="CommandSpec"/> as a System.CommandLine command: each <see cref="OptionSpec"/> becomes an option
/// (a flag takes no value, a list option may repeat, every other option takes one value), and a parse result is read
/// back into <see cref="ParsedArgs"/>, so the commands keep their typed accessors and their messages.
/// </summary>
internal sealed class CommandBinding
{
    private readonly Dictionary<Option, OptionSpec> _specs = [];
    private readonly Argument<string[]>? _positional;

    public CommandBinding(CommandSpec spec)
    {
        Spec = spec;
        Command = new Command(spec.Name, spec.Summary);
        if (spec.PassThrough || spec.UsageTail is not null)
        {
            _positional = new Argument<string[]>(spec.UsageTail ?? "ARGS") { Arity = ArgumentArity.ZeroOrMore };
            Command.Arguments.Add(_positional);
        }
        foreach (var o in spec.Options)
        {
            var option = ToOption(o);
            _specs[option] = o;
            Command.Options.Add(option);
        }
    }

    public CommandSpec Spec { get; }
    public Command Command { get; }
    public IReadOnlyDictionary<Option, OptionSpec> Options => _specs;

    /// <summary>Reads one command's words (its name first) on a root of its own; see <see cref="CommandSpec.Parse"/>.</summary>
    public static ParsedArgs Read(CommandSpec spec, IReadOnlyList<string> words, string appName, bool checkRequired)
    {
        var binding = new CommandBinding(spec);
        var root = new RootCommand { binding.Command };
        var result = root.Parse(binding.CanonicalNames(words), CommandLineApp.ParserSettings);
        if (UsageErrors.Find(result, binding, appName, checkRequired) is { } problem) throw new UsageException(problem);
        return binding.ToParsedArgs(result);
    }

    /// <summary>
    /// Option names are matched regardless of case, as they always were here (--k is --K), while System.CommandLine
    /// matches them exactly: a word that names one of this command's options in another case is spelled its way.
    /// </summary>
    public string[] CanonicalNames(IReadOnlyList<string> words) => words.Select(word =>
    {
        if (!word.StartsWith("--", StringComparison.Ordinal)) return word;
        int end = word.IndexOfAny(['=', ':']);
        string name = end < 0 ? word[2..] : word[2..end];
        var spec = Spec.Options.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));
        return spec is null ? word : "--" + spec.Name + (end < 0 ? "" : word[end..]);
    }).ToArray();

    public ParsedArgs ToParsedArgs(ParseResult result)
    {
        var values = new Dictionary<string, string>();
        var all = new Dictionary<string, IReadOnlyList<string>>();
        var flags = new HashSet<string>();
        foreach (var (option, spec) in _specs)
        {
            if (result.GetResult(option) is not OptionResult given || given.IdentifierTokenCount == 0) continue;
            if (spec.IsFlag)
            {
                flags.Add(spec.Name);
                continue;
            }
            var tokens = given.Tokens.Select(t => t.Value).ToList();
            values[spec.Name] = tokens[^1];
            all[spec.Name] = tokens;
        }
        var positional = _positional is null ? [] : result.GetValue(_positional) ?? [];
        return new ParsedArgs(Spec.Name, values, flags, positional, all);
    }

    private static Option ToOption(OptionSpec o)
    {
        string name = "--" + o.Name;
        string description = o.Default is null ? o.Help : $"{o.Help} (default: {o.Default})";
        if (o.IsFlag) return new Option<bool>(name) { Description = description, Arity = ArgumentArity.Zero };
        if (o.Repeatable)
            return new Option<string[]>(name)
            {
                Description = description, HelpName = o.ValueName, Required = o.Required, AllowMultipleArgumentsPerToken = false,
            };
        return new Option<string>(name) { Description = description, HelpName = o.ValueName, Required = o.Required };
    }
}

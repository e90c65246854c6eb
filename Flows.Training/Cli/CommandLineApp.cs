using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Flows.Training.Cli;

/// <summary>
/// The command line of one executable (flows, Flows.Bench) on System.CommandLine: its commands from their
/// <see cref="CommandSpec"/> lists, `--help` and `help COMMAND` (required options marked), `--version` (the
/// informational version of the app's assembly), and tab completion through the `[suggest]` directive that
/// dotnet-suggest calls. A command line it cannot understand is a <see cref="UsageException"/> with one line;
/// the caller turns that, and the commands' own errors, into the exit code.
/// </summary>
public sealed class CommandLineApp
{
    private readonly string _name;
    private readonly string _summary;
    private readonly IReadOnlyList<CommandSpec> _commands;
    private readonly CommandSpec? _default;
    private readonly Assembly _versionOf;

    /// <param name="defaultCommand">What runs with no command, or when the first word is an option.</param>
    public CommandLineApp(string name, string summary, IReadOnlyList<CommandSpec> commands, CommandSpec? defaultCommand, Assembly versionOf)
    {
        _name = name;
        _summary = summary;
        _commands = commands;
        _default = defaultCommand;
        _versionOf = versionOf;
    }

    /// <summary>No response files: a value that starts with '@' is a value, as it always was here.</summary>
    internal static ParserConfiguration ParserSettings => new() { ResponseFileTokenReplacer = null };

    /// <summary>The app's version as `--version` prints it (the assembly's informational version).</summary>
    public string Version =>
        _versionOf.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? _versionOf.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Parses <paramref name="args"/> and runs what they name; returns the exit code.</summary>
    /// <exception cref="UsageException">The command line cannot be understood.</exception>
    public int Run(IReadOnlyList<string> args)
    {
        var words = WithDefaultCommand(args);
        var bindings = _commands.Select(c => new CommandBinding(c)).ToList();
        var target = words.Count > 0 ? bindings.FirstOrDefault(b => b.Spec.Name == words[0]) : null;
        // BenchmarkDotNet's arguments are its own (-h is its --hide): they are not parsed here at all.
        if (target?.Spec.PassThrough == true)
            return target.Spec.Run(new ParsedArgs(target.Spec.Name, [], [], words.Skip(1).ToList()));

        var root = new RootCommand(_summary);
        foreach (var b in bindings) root.Subcommands.Add(b.Command);
        var helpCommand = new Command("help", "show a command's options: help COMMAND");
        var helpTopic = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.ZeroOrMore };
        helpCommand.Arguments.Add(helpTopic);
        root.Subcommands.Add(helpCommand);
        root.Options.OfType<VersionOption>().Single().Action = new PrintLine(Version);

        var result = root.Parse(target is null ? words.ToArray() : [words[0], .. target.CanonicalNames(words.Skip(1).ToList())], ParserSettings);
        if (result.Action is HelpAction)
            return result.CommandResult.Command == root ? PrintAppHelp() : PrintHelp(result, isRoot: false);
        if (result.CommandResult.Command == helpCommand)
        {
            var topic = result.GetValue(helpTopic) ?? [];
            if (topic.Length == 0) return PrintAppHelp();
            if (topic.Length > 1 || bindings.All(b => b.Spec.Name != topic[0]))
                throw new UsageException($"unknown command '{string.Join(' ', topic)}'; see '{_name} --help'");
            return PrintHelp(root.Parse([topic[0], "--help"], ParserSettings), isRoot: false);
        }
        // Our commands carry no System.CommandLine action (they run below, so their exceptions reach the caller
        // as they are); an action here is System.CommandLine's own: --version, or [suggest] for completions.
        if (result.Action is not null and not ParseErrorAction) return result.Invoke(Invocation());
        var binding = bindings.FirstOrDefault(b => b.Command == result.CommandResult.Command);
        if (UsageErrors.Find(result, binding, _name, checkRequired: true) is { } problem) throw new UsageException(problem);
        if (binding is null) throw new UsageException($"no command given; see '{_name} --help'");
        return binding.Spec.Run(binding.ToParsedArgs(result));
    }

    private IReadOnlyList<string> WithDefaultCommand(IReadOnlyList<string> args)
    {
        if (_default is null) return args;
        if (args.Count == 0) return [_default.Name];
        string first = args[0];
        bool ours = first is "--help" or "-h" or "-?" or "--version" || first.StartsWith('[');
        return first.StartsWith('-') && !ours ? [_default.Name, .. args] : args;
    }

    /// <summary>The app's help: each command with the first line of its summary (`help COMMAND` has the rest).</summary>
    private int PrintAppHelp()
    {
        var listing = new RootCommand(_summary);
        foreach (var c in _commands) listing.Subcommands.Add(new Command(c.Name, c.Summary.Split('\n')[0]));
        listing.Subcommands.Add(new Command("help", "show a command's options: help COMMAND"));
        return PrintHelp(listing.Parse(["--help"], ParserSettings), isRoot: true);
    }

    /// <summary>
    /// System.CommandLine's help, under this app's name: its root is named after the running executable, which
    /// is the test host when the app runs in-process.
    /// </summary>
    private int PrintHelp(ParseResult helpRequest, bool isRoot)
    {
        using var text = new StringWriter();
        helpRequest.Invoke(new InvocationConfiguration { Output = text, EnableDefaultExceptionHandler = false });
        string help = text.ToString();
        if (RootCommand.ExecutableName != _name)
            help = help.Replace($"Usage:{Environment.NewLine}  {RootCommand.ExecutableName}", $"Usage:{Environment.NewLine}  {_name}", StringComparison.Ordinal);
        Console.Out.Write(help);
        if (isRoot)
        {
            Console.Out.WriteLine($"'{_name} help COMMAND' or '{_name} COMMAND --help' lists a command's options.");
            Console.Out.WriteLine($"Tab completion: install dotnet-suggest (dotnet tool install -g dotnet-suggest) and its shell script; {_name} answers its [suggest] directive.");
        }
        return 0;
    }

    private static InvocationConfiguration Invocation() =>
        new() { Output = Console.Out, Error = Console.Error, EnableDefaultExceptionHandler = false };

    /// <summary>Prints one fixed line (the version) to the invocation's output.</summary>
    private sealed class PrintLine(string line) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(line);
            return 0;
        }
    }
}

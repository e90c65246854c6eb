namespace Flows.Training.Cli;

/// <summary>
/// A sub-command: its name, summary, options, and the action that runs it (returns the exit code). The options are
/// a plain list of <see cref="OptionSpec"/>; <see cref="CommandLineApp"/> turns them into System.CommandLine symbols.
/// </summary>
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

    /// <summary>The positional arguments the command takes (as help shows them), or null when it takes none.</summary>
    public string? UsageTail { get; }

    /// <summary>
    /// Arguments that belong to another parser (BenchmarkDotNet's): they reach <see cref="Run"/> untouched as
    /// <see cref="ParsedArgs.Positional"/>, and that parser refuses what it does not know.
    /// </summary>
    public bool PassThrough { get; init; }

    /// <summary>
    /// Reads this command's options (the words after the command's name) as the app does, except that a missing
    /// required option is left to the command (tests and commands that reuse another's options call this).
    /// </summary>
    /// <exception cref="UsageException">An unknown option, a missing value, or an option given twice.</exception>
    public ParsedArgs Parse(IReadOnlyList<string> args, string appName = "flows") =>
        CommandBinding.Read(this, [Name, .. args], appName, checkRequired: false);
}

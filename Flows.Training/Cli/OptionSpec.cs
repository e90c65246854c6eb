namespace Flows.Training.Cli;

/// <summary>
/// One command-line option: --name [VALUE], with its help text and default. A required option is marked in the
/// help and refused when missing; a repeatable one (a list: --ood a --ood b) may be given more than once, any other
/// option only once.
/// </summary>
public sealed record OptionSpec(string Name, string? ValueName, string Help, string? Default = null,
                                bool Required = false, bool Repeatable = false)
{
    public bool IsFlag => ValueName is null;
}

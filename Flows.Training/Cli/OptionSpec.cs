namespace Flows.Training.Cli;

/// <summary>One command-line option: --name [VALUE], with its help text and default.</summary>
public sealed record OptionSpec(string Name, string? ValueName, string Help, string? Default = null)
{
    public bool IsFlag => ValueName is null;
}

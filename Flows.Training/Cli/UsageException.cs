namespace Flows.Training.Cli;

/// <summary>A command line that cannot be understood; the message says what is wrong and how to get help.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }
}

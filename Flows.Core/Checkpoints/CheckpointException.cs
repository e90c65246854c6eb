namespace Flows.Core.Checkpoints;

/// <summary>
/// A checkpoint (or other run file) that cannot be read or written. The message names the file and
/// says what to do about it, so the command line can print it as the one line a user sees.
/// </summary>
public sealed class CheckpointException : Exception
{
    public string FilePath { get; }

    public CheckpointException(string filePath, string message, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = filePath;
    }
}

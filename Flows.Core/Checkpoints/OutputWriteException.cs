namespace Flows.Core.Checkpoints;

/// <summary>
/// An output file (figure, metrics, report, samples) that could not be written: a full disk, an unwritable folder, a
/// folder where the file should go. An <see cref="IOException"/>, so callers that handle I/O failures still catch it;
/// the message names the file and the fix, so the command line prints it as its one line.
/// </summary>
public sealed class OutputWriteException : IOException
{
    public string FilePath { get; }

    public OutputWriteException(string filePath, Exception inner)
        : base($"cannot write '{filePath}': {inner.Message.TrimEnd('.')}; check that its folder is writable and has free space, or pick another --out", inner)
    {
        FilePath = filePath;
    }
}

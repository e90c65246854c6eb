namespace Flows.Core.Data;

/// <summary>
/// A problem with a data file or data set that the user caused and can fix (missing, truncated or corrupt file,
/// unknown name, download refused). The message names the file, the problem and the fix, on one line.
/// </summary>
public sealed class DataException : Exception
{
    public DataException(string message) : base(message) { }

    public DataException(string message, Exception inner) : base(message, inner) { }
}

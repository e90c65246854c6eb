namespace Flows.Core.Api;

/// <summary>
/// The one exception <see cref="OodDetector"/> throws for anything a caller can get wrong: a missing or damaged
/// checkpoint, a calibration of another checkpoint, an image that cannot be decoded or converted to the model's
/// input, an empty calibration set, a target TPR outside (0, 1]. The message is one line naming the thing and the fix;
/// the original exception, when there is one, is <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class OodDetectorException : Exception
{
    /// <summary>An error with a one-line message.</summary>
    public OodDetectorException(string message) : base(message) { }

    /// <summary>An error with a one-line message and the exception that caused it.</summary>
    public OodDetectorException(string message, Exception inner) : base(message, inner) { }
}

namespace Flows.Core;

/// <summary>NaN, Inf or a singular matrix where a finite value is required; the message names the layer.</summary>
public sealed class NumericalException : Exception
{
    public NumericalException(string message) : base(message) { }
}

namespace Flows.Kernels.Cpu;

/// <summary>
/// The stated float error of the Winograd convolutions: per output, |y − y_exact| ≤ factor · 2⁻²⁴ · Σ|w||x|
/// (Σ over the output's terms, bias included), with the factor per tile size from docs/WINOGRAD.md ("Error bound").
/// </summary>
public static class WinogradErrorBound
{
    /// <summary>The unit roundoff of float32.</summary>
    public const double Epsilon = 1.0 / (1 << 24);

    public const double F2 = 32;

    public const double F4 = 1024;
}

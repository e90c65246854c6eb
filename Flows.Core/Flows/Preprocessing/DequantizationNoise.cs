namespace Flows.Core.Flows;

/// <summary>
/// Where the uniform dequantization noise comes from: element i of a call gets CounterRng.Uniform(Seed,
/// offset + i). Normally the offset advances by the element count on every call, so every pass draws fresh
/// noise as the original does (docs/MODELS.md §4.3, at training and test time). With <see cref="Deterministic"/>
/// every call starts at offset 0, so two evaluations of the same batch give the same numbers.
/// </summary>
public sealed class DequantizationNoise
{
    public DequantizationNoise(ulong seed) => Seed = seed;

    public ulong Seed { get; set; }

    /// <summary>The counter of the next fresh draw.</summary>
    public ulong Offset { get; set; }

    public bool Deterministic { get; set; }

    /// <summary>The first counter for a draw of count numbers.</summary>
    public ulong Take(int count)
    {
        if (Deterministic) return 0;
        ulong start = Offset;
        Offset += (ulong)count;
        return start;
    }
}

namespace Flows.Kernels;

/// <summary>
/// A 64-bit random-number counter kept in a two-float device buffer, for <see cref="IComputeBackend.FillUniformCounted"/>:
/// element 0 holds the low 32 bits and element 1 the high 32 bits, each as a float's bit pattern (no arithmetic ever
/// touches them as floats). Keeping the offset on the device is what lets a replayed step graph draw fresh noise.
/// </summary>
public static class DeviceCounter
{
    public const int Length = 2;

    public static void Encode(ulong counter, Span<float> destination)
    {
        destination[0] = BitConverter.UInt32BitsToSingle((uint)counter);
        destination[1] = BitConverter.UInt32BitsToSingle((uint)(counter >> 32));
    }

    public static ulong Decode(ReadOnlySpan<float> source) =>
        BitConverter.SingleToUInt32Bits(source[0]) | ((ulong)BitConverter.SingleToUInt32Bits(source[1]) << 32);
}

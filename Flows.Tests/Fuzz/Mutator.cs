using System.Buffers.Binary;

namespace Flows.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a valid file: bit flips, interesting bytes, truncations, forged length fields (32- and
/// 64-bit, either byte order, mostly in the header where the sizes live), inserted and removed runs, appended
/// garbage and whole random files. The same seed gives the same case in every process.
/// </summary>
internal static class Mutator
{
    private static readonly long[] Interesting =
        [0, 1, 2, 7, 8, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, long.MaxValue, -1, -2, 1L << 40];

    public static (byte[] Bytes, string What) Mutate(byte[] seed, Random random)
    {
        var bytes = (byte[])seed.Clone();
        int ops = 1 + random.Next(3);
        var what = new List<string>();
        for (int i = 0; i < ops; i++)
            bytes = MutateOnce(bytes, random, what);
        return (bytes, string.Join(", ", what));
    }

    // Offsets favour the first 64 bytes, where headers and their length fields are.
    private static int Offset(byte[] bytes, Random random, int width = 1)
    {
        int span = Math.Max(1, bytes.Length - width + 1);
        return random.Next(2) == 0 ? random.Next(Math.Min(span, 64)) : random.Next(span);
    }

    private static byte[] MutateOnce(byte[] bytes, Random random, List<string> what)
    {
        if (bytes.Length == 0)
        {
            what.Add("random file");
            return RandomBytes(random, random.Next(1, 64));
        }
        switch (random.Next(10))
        {
            case 0:
            case 1:
            {
                int flips = 1 + random.Next(8);
                for (int k = 0; k < flips; k++)
                {
                    int at = Offset(bytes, random);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }
                what.Add($"{flips} bit flips");
                return bytes;
            }
            case 2:
            {
                int at = Offset(bytes, random);
                bytes[at] = (byte)Interesting[random.Next(Interesting.Length)];
                what.Add($"byte {at} set");
                return bytes;
            }
            case 3:
            {
                int keep = random.Next(2) == 0 ? random.Next(Math.Min(bytes.Length, 80)) : random.Next(bytes.Length);
                what.Add($"truncated to {keep}");
                return bytes[..keep];
            }
            case 4:
            case 5:
            {
                bool wide = random.Next(4) == 0;
                int width = wide ? 8 : 4;
                if (bytes.Length < width) goto case 0;
                int at = Offset(bytes, random, width);
                long value = random.Next(3) == 0 ? bytes.Length + random.Next(-2, 3) : Interesting[random.Next(Interesting.Length)];
                bool big = random.Next(2) == 0;
                var span = bytes.AsSpan(at, width);
                if (wide)
                {
                    if (big) BinaryPrimitives.WriteInt64BigEndian(span, value); else BinaryPrimitives.WriteInt64LittleEndian(span, value);
                }
                else
                {
                    if (big) BinaryPrimitives.WriteUInt32BigEndian(span, (uint)value); else BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value);
                }
                what.Add($"length field {value} ({width * 8}-bit {(big ? "BE" : "LE")}) at {at}");
                return bytes;
            }
            case 6:
            {
                int at = Offset(bytes, random);
                var insert = RandomBytes(random, random.Next(1, 32));
                what.Add($"{insert.Length} bytes inserted at {at}");
                return [.. bytes[..at], .. insert, .. bytes[at..]];
            }
            case 7:
            {
                int at = Offset(bytes, random);
                int n = Math.Min(bytes.Length - at, random.Next(1, 32));
                what.Add($"{n} bytes removed at {at}");
                return [.. bytes[..at], .. bytes[(at + n)..]];
            }
            case 8:
            {
                var tail = RandomBytes(random, random.Next(1, 64));
                what.Add($"{tail.Length} bytes appended");
                return [.. bytes, .. tail];
            }
            default:
            {
                // Random bytes behind the first few of the seed, so the format's magic often survives.
                int keep = Math.Min(bytes.Length, random.Next(0, 16));
                what.Add($"random after {keep}");
                return [.. bytes[..keep], .. RandomBytes(random, random.Next(1, Math.Max(2, bytes.Length)))];
            }
        }
    }

    private static byte[] RandomBytes(Random random, int n)
    {
        var b = new byte[n];
        random.NextBytes(b);
        return b;
    }
}

using System.Buffers.Binary;

namespace Flows.Core.Data;

/// <summary>
/// Checks a PNG's or BMP's own header against the bytes the file really holds, before ImageSharp decodes it:
/// ImageSharp fills missing pixel data with zeros (a header-only BMP, a PNG claiming 4000x4000 with 64 bytes of
/// data) and meets some forged BMP fields with exceptions of no particular type. Returns null when the header is
/// plausible, else the problem, for the decoder to report with the file's name. Other formats pass unchecked.
/// </summary>
internal static class ImageHeaderCheck
{
    /// <summary>ImageSharp's BMP decoder refuses larger sides, with an exception of its own.</summary>
    public const int MaxBmpSide = 65535;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static string? Problem(Stream stream)
    {
        long start = stream.Position;
        try
        {
            Span<byte> head = stackalloc byte[8];
            int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = start;
            if (got >= 2 && head[0] == 'B' && head[1] == 'M')
                return BmpProblem(stream, start);
            if (got == 8 && head.SequenceEqual(PngSignature))
                return PngProblem(stream, start);
            return null;
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static string? BmpProblem(Stream stream, long start)
    {
        long length = stream.Length - start;
        Span<byte> h = stackalloc byte[54];
        int got = stream.ReadAtLeast(h, h.Length, throwOnEndOfStream: false);
        if (got < 26)
            return $"its BMP header is cut short ({length} bytes)";
        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[10..]);
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(h[14..]);
        long width, height;
        int bitsPerPixel;
        uint compression = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(h[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(h[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(h[24..]);
        }
        else
        {
            if (dibSize < 40 || got < 54)
                return $"its BMP info header ({dibSize} bytes declared, {length} in the file) is not one this reader knows";
            width = BinaryPrimitives.ReadInt32LittleEndian(h[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(h[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(h[30..]);
        }
        if (width <= 0 || height <= 0 || width > MaxBmpSide || height > MaxBmpSide)
            return $"its BMP header says {width}x{height} pixels; sides must be 1..{MaxBmpSide}";
        if (bitsPerPixel is not (1 or 2 or 4 or 8 or 16 or 24 or 32))
            return $"its BMP header says {bitsPerPixel} bits per pixel (1, 2, 4, 8, 16, 24 or 32 are valid)";
        if (pixelOffset > length)
            return $"its BMP pixel data starts at byte {pixelOffset}, past the end of the {length}-byte file; it is truncated";
        long present = length - pixelOffset;
        // Uncompressed rows are padded to 4 bytes; RLE and other codings hold at least a byte or two per row.
        long needed = compression is 0 or 3 or 6 ? (width * bitsPerPixel + 31) / 32 * 4 * height : Math.Min(height, 2);
        if (present < needed)
            return $"its BMP header says {width}x{height} pixels at {bitsPerPixel} bits, which need {needed} bytes of pixel data, but only {present} follow; it is truncated";
        return null;
    }

    // Walks the chunks (length, type, data, CRC) to total the IDAT bytes, then bounds what they can inflate to.
    private static string? PngProblem(Stream stream, long start)
    {
        long length = stream.Length - start;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> ihdr = stackalloc byte[13];
        long pos = 8, idat = 0;
        bool sawIhdr = false;
        long width = 0, height = 0;
        int bitsPerPixel = 0;
        while (pos + 8 <= length)
        {
            stream.Position = start + pos;
            stream.ReadExactly(chunk);
            long dataLength = BinaryPrimitives.ReadUInt32BigEndian(chunk);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(chunk[4..]);
            if (!sawIhdr)
            {
                if (type != 0x49484452 || dataLength != 13 || pos + 8 + 13 > length)
                    return "its PNG header chunk (IHDR) is missing or damaged";
                stream.ReadExactly(ihdr);
                width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
                height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
                int channels = ihdr[9] switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
                if (channels == 0)
                    return $"its PNG colour type {ihdr[9]} is not valid";
                bitsPerPixel = channels * ihdr[8];
                sawIhdr = true;
            }
            else if (type == 0x49444154) // IDAT
            {
                idat += Math.Min(dataLength, length - pos - 8);
            }
            else if (type == 0x49454E44) // IEND
            {
                break;
            }
            pos += 12 + dataLength;
        }
        if (!sawIhdr)
            return "its PNG header chunk (IHDR) is missing";
        // Each row inflates to a filter byte and its packed pixels; deflate packs at most ~1032 bytes into one.
        long raw = height * (1 + (width * bitsPerPixel + 7) / 8);
        long least = raw / DataStreams.DeflateMaxRatio;
        if (idat < least)
            return $"its PNG header says {width}x{height} pixels ({raw} bytes once inflated), but its {idat} bytes of image data can hold at most about {idat * DataStreams.DeflateMaxRatio}; it is truncated or forged";
        return null;
    }
}

namespace Flows.Core.Data;

/// <summary>
/// Reading helpers that never trust a header: payloads are read in bounded chunks, and a compressed stream may
/// claim at most what deflate could have produced from the bytes actually on disk.
/// </summary>
internal static class DataStreams
{
    /// <summary>Deflate's best ratio is about 1032:1, so a compressed file of n bytes holds at most ~1032·n bytes.</summary>
    public const long DeflateMaxRatio = 1032;

    private const int FirstChunk = 16 << 20;

    public static bool HasGzipMagic(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    /// <summary>
    /// Opens a file that may be gzip-compressed (detected by its magic bytes, not its name). Returns the stream
    /// of content bytes and whether it is compressed.
    /// </summary>
    public static Stream OpenMaybeGzip(string path, string what, out bool gzip, out long fileLength)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot open {what} {path}: {e.Message}; check the path and its permissions", e);
        }
        fileLength = file.Length;
        Span<byte> head = stackalloc byte[2];
        int got = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        gzip = got == 2 && HasGzipMagic(head);
        if (!gzip && path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            file.Dispose();
            var first = got == 0 ? "it is empty" : $"it starts with 0x{Convert.ToHexString(head[..got])}, not 0x1F8B";
            throw new DataException($"{path} has a .gz name but is not gzip ({first}); delete it and download it again");
        }
        if (!gzip)
            return file;
        try
        {
            return CheckedInflateStream.OpenGzip(file, path);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="buffer"/> or throws a DataException that says the file is truncated.</summary>
    public static void ReadHeader(Stream stream, Span<byte> buffer, string path, string what)
    {
        int got = ReadUpTo(stream, buffer, path);
        if (got < buffer.Length)
            throw new DataException(
                $"{path} is truncated: the {what} needs {buffer.Length} bytes here but only {got} remain; download it again");
    }

    /// <summary>
    /// Reads exactly <paramref name="expected"/> bytes. The buffer grows with the data actually read (never to
    /// more than expected), so a forged size costs at most twice the bytes really present.
    /// </summary>
    public static byte[] ReadPayload(Stream stream, long expected, string path, string what)
    {
        if (expected > Array.MaxLength)
            throw new DataException($"{path}: the header asks for {expected} bytes of {what}, more than one array can hold; the file is corrupt or not of this format");
        var buffer = new byte[(int)Math.Min(expected, FirstChunk)];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(expected, (long)buffer.Length * 2));
            int got = ReadUpTo(stream, buffer.AsSpan(filled), path);
            if (got == 0)
                throw new DataException(
                    $"{path} is truncated: its header promises {expected} bytes of {what} but the data ends after {filled}; download it again");
            filled += got;
        }
        return buffer;
    }

    /// <summary>Throws unless the stream is at its end: extra bytes mean the header undercounts.</summary>
    public static void ExpectEnd(Stream stream, string path, string what)
    {
        Span<byte> one = stackalloc byte[1];
        if (ReadUpTo(stream, one, path) != 0)
            throw new DataException(
                $"{path} holds more data than its header says ({what}); the count and the file size disagree, so the file is corrupt or not of this format");
    }

    /// <summary>
    /// Reads and discards the rest of a stream, at most <paramref name="max"/> bytes; returns how many were there
    /// (max + 1 means more than max). Used to reach a compressed stream's end, where its checksum is checked.
    /// </summary>
    public static long Drain(Stream stream, long max, string path)
    {
        var scratch = new byte[1 << 16];
        long total = 0;
        while (total <= max)
        {
            int got = ReadUpTo(stream, scratch.AsSpan(0, (int)Math.Min(scratch.Length, max + 1 - total)), path);
            if (got == 0) break;
            total += got;
        }
        return total;
    }

    /// <summary>Rejects sizes that a compressed file of <paramref name="compressedLength"/> bytes cannot hold.</summary>
    public static void CheckCompressedBound(long claimed, long compressedLength, string path, string what)
    {
        long bound = compressedLength * DeflateMaxRatio + 4096;
        if (claimed > bound)
            throw new DataException(
                $"{path}: the header claims {claimed} bytes of {what}, but a {compressedLength}-byte compressed file can hold at most about {bound}; the header is corrupt");
    }

    // Decompression errors surface as InvalidDataException; they are the file's fault, so they become DataExceptions.
    private static int ReadUpTo(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path} is not a valid compressed stream ({e.Message}); download it again", e);
        }
    }
}

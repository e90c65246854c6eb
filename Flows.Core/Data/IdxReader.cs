using System.Buffers.Binary;

namespace Flows.Core.Data;

/// <summary>
/// The IDX format of MNIST and its look-alikes (FashionMNIST, KMNIST, notMNIST in MNIST form), plain or gzip:
/// a big-endian magic (0, 0, type 0x08 = ubyte, number of dimensions), one int32 per dimension, then the bytes.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    // Sides beyond this are no MNIST-like image; refusing them early gives a clearer message than a size check.
    private const int MaxSide = 1 << 14;

    /// <summary>An images file and, if given, its labels file (else labels are -1), as one data set.</summary>
    public static ImageDataset Read(string name, string imagesPath, string? labelsPath, IReadOnlyList<string>? classNames = null)
    {
        var (pixels, count, rows, cols) = ReadImages(imagesPath);
        int[] labels;
        if (labelsPath is null)
        {
            labels = new int[count];
            Array.Fill(labels, -1);
        }
        else
        {
            var raw = ReadLabels(labelsPath);
            if (raw.Length != count)
                throw new DataException(
                    $"{labelsPath} has {raw.Length} labels but {imagesPath} has {count} images; the two files are from different sets or one is damaged");
            labels = Array.ConvertAll(raw, b => (int)b);
        }
        return new ImageDataset(name, pixels, labels, 1, rows, cols, classNames);
    }

    /// <summary>Reads an idx3-ubyte file: count images of rows×cols bytes.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Cols) ReadImages(string path)
    {
        using var stream = DataStreams.OpenMaybeGzip(path, "IDX images file", out bool gzip, out long fileLength);
        Span<byte> header = stackalloc byte[16];
        // The magic first: a wrong file is better named as such than as a truncated one.
        DataStreams.ReadHeader(stream, header[..4], path, "IDX magic number");
        CheckMagic(path, header, ImagesMagic, "images (idx3)");
        DataStreams.ReadHeader(stream, header[4..], path, "IDX images header");
        int count = ReadDimension(header[4..], path, "image count", int.MaxValue);
        int rows = ReadDimension(header[8..], path, "row count", MaxSide);
        int cols = ReadDimension(header[12..], path, "column count", MaxSide);
        long size = (long)count * rows * cols;
        CheckSize(path, size, 16, gzip, fileLength, $"{count} images of {rows}x{cols}");
        var pixels = DataStreams.ReadPayload(stream, size, path, $"pixels ({count} images of {rows}x{cols})");
        DataStreams.ExpectEnd(stream, path, $"{count} images of {rows}x{cols}");
        return (pixels, count, rows, cols);
    }

    /// <summary>Reads an idx1-ubyte labels file.</summary>
    public static byte[] ReadLabels(string path)
    {
        using var stream = DataStreams.OpenMaybeGzip(path, "IDX labels file", out bool gzip, out long fileLength);
        Span<byte> header = stackalloc byte[8];
        DataStreams.ReadHeader(stream, header[..4], path, "IDX magic number");
        CheckMagic(path, header, LabelsMagic, "labels (idx1)");
        DataStreams.ReadHeader(stream, header[4..], path, "IDX labels header");
        int count = ReadDimension(header[4..], path, "label count", int.MaxValue);
        CheckSize(path, count, 8, gzip, fileLength, $"{count} labels");
        var labels = DataStreams.ReadPayload(stream, count, path, $"{count} labels");
        DataStreams.ExpectEnd(stream, path, $"{count} labels");
        return labels;
    }

    /// <summary>True when the content (after gzip, if any) starts with an IDX images magic.</summary>
    public static bool LooksLikeIdxImages(string path)
    {
        try
        {
            using var stream = DataStreams.OpenMaybeGzip(path, "IDX file", out _, out _);
            Span<byte> head = stackalloc byte[4];
            return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadInt32BigEndian(head) == ImagesMagic;
        }
        catch (Exception e) when (e is DataException or InvalidDataException or IOException)
        {
            return false;
        }
    }

    private static void CheckMagic(string path, ReadOnlySpan<byte> header, int expected, string kind)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(header);
        if (magic == expected)
            return;
        var hint = magic == (expected == ImagesMagic ? LabelsMagic : ImagesMagic)
            ? "it is the other file of the pair (images and labels swapped?)"
            : "it is not an IDX file of unsigned bytes";
        throw new DataException($"{path}: wrong magic number 0x{magic:X8}, expected 0x{expected:X8} for IDX {kind}; {hint}");
    }

    private static int ReadDimension(ReadOnlySpan<byte> bytes, string path, string what, int max)
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (value == 0 || value > (uint)max)
            throw new DataException($"{path}: absurd {what} {value} in the IDX header (allowed 1..{max}); the file is corrupt");
        return (int)value;
    }

    // A plain file must hold exactly the promised bytes; a gzip file at least cannot promise more than it could hold.
    private static void CheckSize(string path, long payload, int headerBytes, bool gzip, long fileLength, string what)
    {
        if (gzip)
        {
            DataStreams.CheckCompressedBound(payload + headerBytes, fileLength, path, what);
            return;
        }
        long actual = fileLength - headerBytes;
        if (actual != payload)
            throw new DataException(
                $"{path}: the header says {what} ({payload} bytes) but the file holds {actual} bytes after the header; it is {(actual < payload ? "truncated" : "corrupt")}, download it again");
    }
}

using System.Buffers.Binary;
using System.IO.Compression;

namespace Flows.Tests.Data;

/// <summary>Writers for small data files in the formats under test, so the tests need no downloads.</summary>
internal static class DataFiles
{
    /// <summary>Deterministic pixel bytes that differ per image and position.</summary>
    public static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)((i * 31 + seed * 7 + i / 97) & 0xFF);
        return bytes;
    }

    public static byte[] IdxImages(int count, int rows, int cols, byte[] pixels)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    public static byte[] IdxLabels(byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(content);
        return output.ToArray();
    }

    /// <summary>Records of label byte(s) + 3072 pixels, CIFAR-10 (one label) or CIFAR-100 (coarse, fine).</summary>
    public static byte[] Cifar(byte[][] labelBytes, byte[] pixels)
    {
        int labelsPerRecord = labelBytes[0].Length;
        var bytes = new byte[labelBytes.Length * (labelsPerRecord + 3072)];
        for (int i = 0; i < labelBytes.Length; i++)
        {
            int at = i * (labelsPerRecord + 3072);
            labelBytes[i].CopyTo(bytes, at);
            pixels.AsSpan(i * 3072, 3072).CopyTo(bytes.AsSpan(at + labelsPerRecord));
        }
        return bytes;
    }

    /// <summary>
    /// An SVHN-style level 5 MAT-file with X (uint8 H×W×C×N, column-major, from C×H×W images) and y (N×1),
    /// each element compressed or not; y stored as doubles or, as MATLAB does for small integers, as uint8.
    /// </summary>
    public static byte[] SvhnMat(byte[] chwImages, int count, int height, int width, int channels, double[] y,
        bool compressed, bool yAsUInt8, bool bigEndianMarker = false)
    {
        var columnMajor = new byte[chwImages.Length];
        int plane = height * width, imageSize = plane * channels;
        for (int n = 0; n < count; n++)
            for (int ch = 0; ch < channels; ch++)
                for (int r = 0; r < height; r++)
                    for (int c = 0; c < width; c++)
                        columnMajor[n * imageSize + ch * plane + c * height + r] = chwImages[n * imageSize + ch * plane + r * width + c];

        byte[] yData = yAsUInt8 ? y.Select(v => (byte)v).ToArray() : y.SelectMany(BitConverter.GetBytes).ToArray();
        var x = Matrix("X", 9, [height, width, channels, count], 2, columnMajor);
        var yMatrix = Matrix("y", 6, [count, 1], yAsUInt8 ? 2 : 9, yData);

        using var file = new MemoryStream();
        var header = new byte[128];
        var text = "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test"u8;
        header.AsSpan().Fill((byte)' ');
        text.CopyTo(header);
        header[124] = 0x00;
        header[125] = 0x01;
        header[126] = bigEndianMarker ? (byte)'M' : (byte)'I';
        header[127] = bigEndianMarker ? (byte)'I' : (byte)'M';
        file.Write(header);
        foreach (var element in new[] { x, yMatrix })
        {
            if (!compressed)
            {
                file.Write(element);
                continue;
            }
            using var z = new MemoryStream();
            using (var zlib = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
                zlib.Write(element);
            WriteTag(file, 15, z.Length);
            file.Write(z.ToArray());
        }
        return file.ToArray();
    }

    /// <summary>A miMATRIX element (tag included): flags, dims, name (small format), real part, padded to 8 bytes.</summary>
    public static byte[] Matrix(string name, int arrayClass, int[] dims, int storedType, byte[] data)
    {
        using var body = new MemoryStream();
        WriteTag(body, 6, 8);
        body.Write(BitConverter.GetBytes(arrayClass));
        body.Write(new byte[4]);
        WriteTag(body, 5, dims.Length * 4);
        foreach (var d in dims)
            body.Write(BitConverter.GetBytes(d));
        Pad(body, dims.Length * 4);
        // Names of up to 4 characters use the small element format: type and length packed in 4 bytes.
        body.Write(BitConverter.GetBytes(1 | (name.Length << 16)));
        var nameBytes = new byte[4];
        System.Text.Encoding.ASCII.GetBytes(name).CopyTo(nameBytes, 0);
        body.Write(nameBytes);
        WriteTag(body, storedType, data.Length);
        body.Write(data);
        Pad(body, data.Length);

        using var element = new MemoryStream();
        WriteTag(element, 14, body.Length);
        body.Position = 0;
        body.CopyTo(element);
        return element.ToArray();
    }

    private static void WriteTag(Stream s, int type, long bytes)
    {
        s.Write(BitConverter.GetBytes(type));
        s.Write(BitConverter.GetBytes((int)bytes));
    }

    private static void Pad(Stream s, long n) => s.Write(new byte[(8 - n % 8) % 8]);
}

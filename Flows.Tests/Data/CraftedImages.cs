using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Data;

/// <summary>Image files built byte by byte: valid seeds and headers that lie, for the decoder's tests and the fuzz suite.</summary>
internal static class CraftedImages
{
    /// <summary>A BMP with a BITMAPINFOHEADER; <paramref name="pixelBytes"/> null gives the full uncompressed pixel array.</summary>
    public static byte[] Bmp(int width, int height, int bitsPerPixel = 24, int? pixelBytes = null, int compression = 0)
    {
        long stride = ((long)width * bitsPerPixel + 31) / 32 * 4;
        int data = pixelBytes ?? (int)(stride * Math.Abs(height));
        var bytes = new byte[54 + data];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), (short)bitsPerPixel);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(30), compression);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34), data);
        for (int i = 54; i < bytes.Length; i++) bytes[i] = (byte)(i * 7);
        return bytes;
    }

    /// <summary>A real PNG (ImageSharp's encoder) whose IHDR is then rewritten to claim another size, CRC fixed.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var png = Png(2, 2);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        FixChunkCrcs(png);
        return png;
    }

    public static byte[] Png(int width, int height, bool gray = false)
    {
        using var stream = new MemoryStream();
        if (gray)
        {
            using var image = new Image<L8>(width, height);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    image[x, y] = new L8((byte)(x * 9 + y * 5));
            image.SaveAsPng(stream);
        }
        else
        {
            using var image = new Image<Rgb24>(width, height);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    image[x, y] = new Rgb24((byte)(x * 9), (byte)(y * 5), (byte)(x ^ y));
            image.SaveAsPng(stream);
        }
        return stream.ToArray();
    }

    public static byte[] Jpeg(int width, int height)
    {
        using var stream = new MemoryStream();
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = new Rgb24((byte)(x * 9), (byte)(y * 5), (byte)(x ^ y));
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    /// <summary>Recomputes the CRC of every whole chunk, so a test's edits are not refused for the CRC alone.</summary>
    public static void FixChunkCrcs(byte[] png)
    {
        for (long pos = 8; pos + 12 <= png.Length;)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan((int)pos));
            if (pos + 12 + length > png.Length) return;
            uint crc = Crc32(png.AsSpan((int)pos + 4, (int)length + 4));
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan((int)(pos + 8 + length)), crc);
            pos += 12 + length;
        }
    }

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}

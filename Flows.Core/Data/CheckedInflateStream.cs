using System.Buffers.Binary;
using System.IO.Compression;

namespace Flows.Core.Data;

/// <summary>
/// Inflates a gzip file or a zlib stream of known extent and checks its trailer (gzip: CRC-32 and size; zlib:
/// Adler-32) against the data actually decompressed, when the data ends. The framing is parsed here, not by
/// <see cref="GZipStream"/>, because that one accepts a missing trailer and ignores bytes after the stream:
/// the trailer is taken from the end of the extent, so a truncated stream or appended bytes fail the check.
/// A failed check is a <see cref="DataException"/> that names the file.
/// </summary>
internal sealed class CheckedInflateStream : Stream
{
    private readonly Stream _inflate;
    private readonly string _path;
    private readonly string _what;
    private readonly bool _gzip;
    private readonly uint _expectedCheck;
    private readonly uint _expectedSize;
    private uint _crc = 0xFFFFFFFF;
    private uint _adlerA = 1, _adlerB;
    private long _produced;
    private bool _verified;

    private CheckedInflateStream(Stream inflate, string path, string what, bool gzip, uint expectedCheck, uint expectedSize)
    {
        _inflate = inflate;
        _path = path;
        _what = what;
        _gzip = gzip;
        _expectedCheck = expectedCheck;
        _expectedSize = expectedSize;
    }

    /// <summary>A whole gzip file (one member, as data sets are published) from its start; the stream is owned.</summary>
    public static Stream OpenGzip(FileStream file, string path)
    {
        long length = file.Length;
        long headerLength = GzipHeaderLength(file, path);
        if (length - headerLength < 8 + 2)
            throw new DataException($"{path} is truncated: its gzip stream ends before its 8-byte CRC-32 and size trailer; download it again");
        Span<byte> trailer = stackalloc byte[8];
        file.Position = length - 8;
        file.ReadExactly(trailer);
        var body = new SubStream(file, headerLength, length - 8 - headerLength, ownsBase: true);
        return new CheckedInflateStream(new DeflateStream(body, CompressionMode.Decompress, leaveOpen: false), path, "gzip",
            gzip: true, BinaryPrimitives.ReadUInt32LittleEndian(trailer), BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]));
    }

    /// <summary>
    /// A zlib stream occupying exactly <paramref name="length"/> bytes of <paramref name="source"/> from
    /// <paramref name="start"/> (a MAT-file's compressed element); the source is left open.
    /// </summary>
    public static Stream OpenZlib(Stream source, long start, long length, string path, string what)
    {
        if (length < 2 + 4)
            throw new DataException($"{path}: {what} is {length} bytes, too short for a zlib stream; the file is corrupt, download it again");
        Span<byte> head = stackalloc byte[2];
        source.Position = start;
        source.ReadExactly(head);
        if ((head[0] & 0x0F) != 8 || (head[0] << 8 | head[1]) % 31 != 0 || (head[1] & 0x20) != 0)
            throw new DataException($"{path}: {what} does not start with a zlib header (0x{head[0]:X2}{head[1]:X2}); the file is corrupt, download it again");
        Span<byte> trailer = stackalloc byte[4];
        source.Position = start + length - 4;
        source.ReadExactly(trailer);
        var body = new SubStream(source, start + 2, length - 6, ownsBase: false);
        return new CheckedInflateStream(new DeflateStream(body, CompressionMode.Decompress, leaveOpen: false), path, what,
            gzip: false, BinaryPrimitives.ReadUInt32BigEndian(trailer), 0);
    }

    // RFC 1952: magic, method 8, flags, mtime, xfl, os, then the optional extra field, name, comment and header CRC.
    private static long GzipHeaderLength(FileStream file, string path)
    {
        Span<byte> fixedPart = stackalloc byte[10];
        if (file.ReadAtLeast(fixedPart, 10, throwOnEndOfStream: false) < 10)
            throw new DataException($"{path} is truncated: it ends inside its 10-byte gzip header; download it again");
        if (fixedPart[0] != 0x1f || fixedPart[1] != 0x8b || fixedPart[2] != 8)
            throw new DataException($"{path} is not a deflate gzip file (header 0x{Convert.ToHexString(fixedPart[..3])}); download it again");
        byte flags = fixedPart[3];
        if ((flags & 0xE0) != 0)
            throw new DataException($"{path} has reserved gzip header flags set (0x{flags:X2}); the file is corrupt, download it again");
        if ((flags & 0x04) != 0)
        {
            Span<byte> xlen = stackalloc byte[2];
            if (file.ReadAtLeast(xlen, 2, throwOnEndOfStream: false) < 2)
                throw new DataException($"{path} is truncated inside its gzip header; download it again");
            file.Position += BinaryPrimitives.ReadUInt16LittleEndian(xlen);
        }
        for (int bit = 0x08; bit <= 0x10; bit <<= 1)
        {
            if ((flags & bit) == 0) continue;
            int b;
            do b = file.ReadByte(); while (b > 0);
            if (b < 0)
                throw new DataException($"{path} is truncated inside its gzip header; download it again");
        }
        if ((flags & 0x02) != 0) file.Position += 2;
        if (file.Position > file.Length)
            throw new DataException($"{path} is truncated inside its gzip header; download it again");
        return file.Position;
    }

    public override int Read(Span<byte> buffer)
    {
        int n = _inflate.Read(buffer);
        if (n > 0)
        {
            Update(buffer[..n]);
            _produced += n;
        }
        else if (buffer.Length > 0)
        {
            Verify();
        }
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private void Update(ReadOnlySpan<byte> data)
    {
        if (_gzip)
        {
            uint crc = _crc;
            foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
            _crc = crc;
            return;
        }
        uint a = _adlerA, s = _adlerB;
        while (!data.IsEmpty)
        {
            int chunk = Math.Min(data.Length, 5552); // the most bytes before the sums can overflow 32 bits
            foreach (byte b in data[..chunk])
            {
                a += b;
                s += a;
            }
            a %= 65521;
            s %= 65521;
            data = data[chunk..];
        }
        _adlerA = a;
        _adlerB = s;
    }

    private void Verify()
    {
        if (_verified) return;
        _verified = true;
        if (_gzip)
        {
            uint crc = ~_crc;
            if (crc != _expectedCheck || (uint)_produced != _expectedSize)
                throw new DataException(
                    $"{_path} fails its gzip check: the trailer's CRC-32 0x{_expectedCheck:X8} and size {_expectedSize} do not match the " +
                    $"decompressed data (CRC-32 0x{crc:X8}, {_produced} bytes); the file is truncated, damaged or has bytes after its gzip stream, download it again");
            return;
        }
        uint adler = _adlerB << 16 | _adlerA;
        if (adler != _expectedCheck)
            throw new DataException(
                $"{_path}: {_what} fails its Adler-32 check (stored 0x{_expectedCheck:X8}, computed 0x{adler:X8} over {_produced} bytes); " +
                "the file is truncated or damaged, download it again");
    }

    private static readonly uint[] CrcTable = MakeCrcTable();

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inflate.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _produced; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>A read-only window onto a seekable stream, so the inflater never reads past its extent.</summary>
    private sealed class SubStream(Stream source, long start, long length, bool ownsBase) : Stream
    {
        private long _position;

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            if (n <= 0) return 0;
            source.Position = start + _position;
            n = source.Read(buffer[..n]);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        protected override void Dispose(bool disposing)
        {
            if (disposing && ownsBase) source.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using System.Buffers.Binary;
using System.Text;
using Flows.Core.Data.Numpy;

namespace Flows.Tests.Data;

/// <summary>
/// Writes downsampled-ImageNet batch files exactly as Python does (docs/MODELS.md §3.1): the pickle opcode by
/// opcode as pickle.dump emits it for {'data': uint8 N×3·S·S, 'labels': [ints], 'mean': float64} at protocol 2
/// (Python 2: str keys and payloads), 3 (GLOBAL, BINPUT, BINUNICODE, BINBYTES) or 4 (FRAME, STACK_GLOBAL,
/// MEMOIZE, SHORT_BINUNICODE); and the .npz through the project's writer.
/// </summary>
internal static class ImageNet64BatchFiles
{
    public const int Side = 64;
    public const int Row = 3 * Side * Side;

    /// <summary>Pixels of <paramref name="count"/> images: a pattern that differs per image and per plane.</summary>
    public static byte[] Pixels(int count, int row = Row, int seed = 0) => DataFiles.Pattern(count * row, seed);

    public static byte[] Pickle(byte[] pixels, int[] labels, int protocol = 3, int row = Row, bool withMean = true,
        string dataCode = "u1", long? claimedRows = null, string reconstructModule = "numpy.core.multiarray", bool labelsAsArray = false)
    {
        var w = new PickleWriter(protocol);
        w.Op(0x80).Op((byte)protocol);
        if (protocol >= 4)
            w.Op(0x95).Raw(new byte[8]); // FRAME: a length hint the reader skips
        w.Op('}').Put().Op('(');
        w.Str("data").Put();
        int itemSize = dataCode == "u1" ? 1 : 8;
        w.Array(pixels, [claimedRows ?? pixels.Length / row / itemSize, row], dataCode, itemSize == 1 ? '|' : '<', reconstructModule);
        w.Str("labels").Put();
        if (labelsAsArray)
        {
            var raw = new byte[labels.Length * 8];
            for (int i = 0; i < labels.Length; i++)
                BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), labels[i]);
            w.Array(raw, [labels.Length], "i8", '<', reconstructModule);
        }
        else
            w.Op(']').Put();
        if (!labelsAsArray && labels.Length > 0)
        {
            w.Op('(');
            foreach (var l in labels)
                w.Int(l);
            w.Op('e');
        }
        if (withMean)
        {
            w.Str("mean").Put();
            var mean = new byte[row * 8];
            for (int i = 0; i < row; i++)
                BinaryPrimitives.WriteDoubleLittleEndian(mean.AsSpan(i * 8), 127.5 + i % 7);
            w.Array(mean, [row], "f8", '<', reconstructModule);
        }
        w.Op('u').Op('.');
        return w.ToArray();
    }

    public static byte[] Npz(byte[] pixels, int[] labels, int row = Row)
    {
        using var ms = new MemoryStream();
        using (var npz = new NpzWriter(ms, compressed: true, leaveOpen: true))
        {
            npz.Write("data", pixels, [pixels.Length / row, row]);
            npz.Write("labels", labels.Select(l => (long)l).ToArray(), [labels.Length]);
            npz.Write("mean", new float[row], [row]);
        }
        return ms.ToArray();
    }

    /// <summary>pickle.dump's opcodes, with its memo: a global or the dtype's class is written once, then recalled.</summary>
    private sealed class PickleWriter(int protocol)
    {
        private readonly MemoryStream _out = new();
        private readonly Dictionary<string, int> _globals = [];
        private int _memo;

        public PickleWriter Op(char op) => Op((byte)op);

        public PickleWriter Op(byte op)
        {
            _out.WriteByte(op);
            return this;
        }

        public PickleWriter Raw(ReadOnlySpan<byte> bytes)
        {
            _out.Write(bytes);
            return this;
        }

        public PickleWriter Put()
        {
            if (protocol >= 4)
                Op(0x94);
            else if (_memo < 256)
                Op('q').Op((byte)_memo);
            else
                Op('r').U32((uint)_memo);
            _memo++;
            return this;
        }

        public PickleWriter Str(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            if (protocol == 2)
                return b.Length < 256 ? Op('U').Op((byte)b.Length).Raw(b) : Op('T').U32((uint)b.Length).Raw(b);
            if (protocol >= 4 && b.Length < 256)
                return Op(0x8c).Op((byte)b.Length).Raw(b);
            return Op('X').U32((uint)b.Length).Raw(b);
        }

        public PickleWriter Bytes(byte[] b)
        {
            if (protocol == 2)
                return b.Length < 256 ? Op('U').Op((byte)b.Length).Raw(b) : Op('T').U32((uint)b.Length).Raw(b);
            return b.Length < 256 ? Op('C').Op((byte)b.Length).Raw(b) : Op('B').U32((uint)b.Length).Raw(b);
        }

        public PickleWriter Int(long v)
        {
            if (v is >= 0 and < 256)
                return Op('K').Op((byte)v);
            if (v is >= 0 and < 65536)
                return Op('M').U16((ushort)v);
            return Op('J').U32((uint)(int)v);
        }

        public PickleWriter Global(string module, string name)
        {
            var key = module + "." + name;
            if (_globals.TryGetValue(key, out int at))
                return Op('h').Op((byte)at);
            if (protocol >= 4)
                Str(module).Put().Str(name).Put().Op(0x93);
            else
                Op('c').Raw(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
            _globals[key] = _memo;
            return Put();
        }

        // numpy's ndarray.__reduce__: _reconstruct(ndarray, (0,), b'b'), then BUILD (1, shape, dtype, False, bytes).
        public void Array(byte[] data, long[] shape, string code, char order, string module)
        {
            Global(module, "_reconstruct");
            Global("numpy", "ndarray");
            Int(0).Op(0x85).Put().Bytes("b"u8.ToArray()).Put().Op(0x87).Put().Op('R').Put();
            Op('(').Int(1);
            foreach (var d in shape)
                Int(d);
            Op(shape.Length == 1 ? (byte)0x85 : (byte)0x86).Put();
            Global("numpy", "dtype");
            Str(code).Put().Op(0x89).Op(0x88).Op(0x87).Put().Op('R').Put();
            Op('(').Int(3).Str(order.ToString()).Put().Op('N').Op('N').Op('N').Int(-1).Int(-1).Int(0).Op('t').Put().Op('b');
            Op(0x89).Bytes(data).Put().Op('t').Put().Op('b');
        }

        public byte[] ToArray() => _out.ToArray();

        private PickleWriter U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, v);
            return Raw(b);
        }

        private PickleWriter U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            return Raw(b);
        }
    }
}

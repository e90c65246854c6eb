using Flows.Core.Checkpoints;
using Flows.Core.Data;
using Flows.Core.Data.Numpy;
using Flows.Core.Onnx;
using Flows.Tests.Data;
using Flows.Tests.Features;

namespace Flows.Tests.Fuzz;

/// <summary>
/// Every reader of user files, over a few hundred seeded mutations of valid files each: a typed error or a
/// parse, never another exception, within an allocation and a time bound.
/// </summary>
[Category("Fuzz")]
public sealed class FormatFuzzTests
{
    private const int Cases = 400;
    private TempFolder _dir = null!;

    [OneTimeSetUp]
    public void SetUp() => _dir = new TempFolder();

    [OneTimeTearDown]
    public void TearDown() => _dir.Dispose();

    private string Write(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Test]
    public void Idx()
    {
        byte[][] seeds = [DataFiles.IdxImages(3, 4, 5, DataFiles.Pattern(60)), DataFiles.IdxLabels([1, 2, 3, 4])];
        FuzzHarness.Run("IDX", seeds, Cases, typeof(DataException), bytes =>
        {
            string path = Write("fuzz-idx", bytes);
            if (bytes.Length >= 4 && bytes[3] == 1) IdxReader.ReadLabels(path);
            else IdxReader.ReadImages(path);
        });
    }

    [Test]
    public void Gzip()
    {
        byte[][] seeds = [DataFiles.Gzip(DataFiles.IdxImages(3, 4, 5, DataFiles.Pattern(60))), DataFiles.Gzip(DataFiles.IdxLabels([1, 2, 3, 4]))];
        int i = 0;
        FuzzHarness.Run("gzip", seeds, Cases, typeof(DataException), bytes =>
        {
            string path = Write("fuzz-idx.gz", bytes);
            if (i++ % 2 == 1) IdxReader.ReadLabels(path);
            else IdxReader.ReadImages(path);
        });
    }

    [Test]
    public void Cifar()
    {
        byte[][] seeds = [DataFiles.Cifar([[3], [7]], DataFiles.Pattern(2 * 3072)), DataFiles.Cifar([[1, 42]], DataFiles.Pattern(3072))];
        FuzzHarness.Run("CIFAR", seeds, Cases, typeof(DataException), bytes =>
        {
            string path = Write("fuzz.bin", bytes);
            CifarReader.Read("fuzz", [path], bytes.Length % 3073 == 0 ? CifarVariant.Cifar10 : CifarVariant.Cifar100);
        });
    }

    [Test]
    public void Mat()
    {
        var chw = DataFiles.Pattern(2 * 3 * 4 * 5);
        byte[][] seeds =
        [
            DataFiles.SvhnMat(chw, 2, 4, 5, 3, [1, 2], compressed: true, yAsUInt8: false),
            DataFiles.SvhnMat(chw, 2, 4, 5, 3, [1, 2], compressed: false, yAsUInt8: true),
        ];
        var wanted = new HashSet<string> { "X", "y" };
        FuzzHarness.Run("MAT", seeds, Cases, typeof(DataException), bytes => MatFileReader.Read(Write("fuzz.mat", bytes), wanted));
    }

    [Test]
    public void Images()
    {
        byte[][] seeds = [CraftedImages.Png(6, 5), CraftedImages.Png(4, 4, gray: true), CraftedImages.Bmp(5, 3), CraftedImages.Bmp(4, -2, 32), CraftedImages.Jpeg(8, 8)];
        var decoder = new SafeImageDecoder(ImageDecodeLimits.Default);
        FuzzHarness.Run("PNG/BMP/JPEG", seeds, 2 * Cases, typeof(DataException), bytes =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            decoder.LoadRgb(stream, "fuzz image").Dispose();
        });
    }

    [Test]
    public void SafeTensors()
    {
        string seedPath = _dir.File("seed.safetensors");
        SafeTensorsWriter.Write(seedPath, [new NamedArray("w", [2, 3], new float[6]), new NamedArray("b", [3], new double[3]), new NamedArray("e", [0], new long[0])],
            new Dictionary<string, string> { ["config"] = "{\"model\":\"x\"}" });
        byte[][] seeds = [File.ReadAllBytes(seedPath)];
        FuzzHarness.Run("safetensors", seeds, Cases, typeof(CheckpointException), bytes =>
        {
            var file = SafeTensorsFile.Read(Write("fuzz.safetensors", bytes));
            foreach (var t in file.Tensors) _ = t.ShapeInt32();
        });
    }

    [Test]
    public void Onnx()
    {
        var model = TinyModels.Model([1, 2, 5, 5], [1, 2, 5, 5],
            [TinyModels.Node("Conv", ["X", "W"], "Y", TinyModels.Ints("kernel_shape", 3, 3), TinyModels.Ints("pads", 1, 1, 1, 1), TinyModels.Text("auto_pad", "NOTSET"))],
            TinyModels.Floats("W", [2, 2, 3, 3], 1));
        byte[][] seeds = [OnnxWriter.Write(model)];
        FuzzHarness.Run("ONNX", seeds, Cases, typeof(OnnxFormatException), bytes => OnnxModel.Parse(bytes));
    }

    [Test]
    public void Npy()
    {
        byte[][] seeds = [Npy(s => NpyWriter.Write(s, new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3])), Npy(s => NpyWriter.Write(s, new[] { 1, 2, 3 }, [3]))];
        FuzzHarness.Run("npy", seeds, Cases, typeof(DataException), bytes =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var header = NpyReader.ReadHeader(stream, "fuzz.npy", bytes.Length);
            stream.Position = 0;
            if (header.DType.Descr.Contains('f')) NpyReader.ReadFloat32(stream, "fuzz.npy", bytes.Length);
            else NpyReader.ReadInt32(stream, "fuzz.npy", bytes.Length);
        });
    }

    [Test]
    public void Npz()
    {
        byte[][] seeds = [Npz(compressed: true), Npz(compressed: false)];
        FuzzHarness.Run("npz", seeds, Cases, typeof(DataException), bytes =>
        {
            using var npz = new NpzReader(new MemoryStream(bytes, writable: false), "fuzz.npz");
            foreach (var key in npz.Keys)
            {
                if (key.StartsWith('x')) npz.ReadFloat32(key);
                else npz.ReadInt32(key);
            }
        });
    }

    [Test]
    public void DownsampledImageNet()
    {
        // 8x8 images keep each case small; the reader takes the side from the row length.
        const int row = 3 * 8 * 8;
        var pixels = DataFiles.Pattern(2 * row);
        byte[][] seeds =
        [
            ImageNet64BatchFiles.Pickle(pixels, [1, 1000], protocol: 2, row: row),
            ImageNet64BatchFiles.Pickle(pixels, [1, 1000], protocol: 3, row: row),
            ImageNet64BatchFiles.Pickle(pixels, [1, 1000], protocol: 4, row: row),
            ImageNet64BatchFiles.Pickle(pixels, [1, 1000], protocol: 3, row: row, labelsAsArray: true),
            ImageNet64BatchFiles.Npz(pixels, [1, 1000], row: row),
        ];
        FuzzHarness.Run("downsampled ImageNet", seeds, Cases, typeof(DataException), bytes => DownsampledImageNetReader.ReadBatch(Write("val_data", bytes)));
    }

    private static byte[] Npy(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }

    private static byte[] Npz(bool compressed)
    {
        using var stream = new MemoryStream();
        using (var npz = new NpzWriter(stream, compressed, leaveOpen: true))
        {
            npz.Write("x", new float[] { 1, 2, 3, 4 }, [2, 2]);
            npz.Write("y", new[] { 0, 1 }, [2]);
        }
        return stream.ToArray();
    }
}

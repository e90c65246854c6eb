using System.Buffers.Binary;
using Flows.Core.Data.Numpy;
using Flows.Core.Data.Pickle;

namespace Flows.Core.Data;

/// <summary>One batch file of downsampled ImageNet: N rows of 3·S·S pixel bytes (C×H×W) and labels 0..999.</summary>
public sealed record DownsampledImageNetBatch(byte[] Pixels, int[] Labels, int Side)
{
    public int Count => Labels.Length;
}

/// <summary>
/// The batch files of "A Downsampled Variant of ImageNet" (docs/MODELS.md §3.1): train_data_batch_1..10 and
/// val_data, each either a pickle (the plain download) or an .npz (the _npz download) of 'data' (uint8, N×3·S·S:
/// S·S red, then green, then blue values, each plane row-major, so a row is already C×H×W), 'labels' (1..1000)
/// and, in train batches, 'mean'. Labels come out as 0..999; the side S (8, 16, 32, 64) follows from the row length.
/// </summary>
public static class DownsampledImageNetReader
{
    public const int Classes = 1000;

    private static readonly int[] Sides = [8, 16, 32, 64];

    /// <summary>
    /// Reads the batches in order into one data set (they must share one image size). With
    /// <see cref="DataOptions.MaxImages"/> it stops reading once it has that many images. Before reading, the memory
    /// the set needs is compared with what is available, so a set too large ends in a message, not an OutOfMemoryException.
    /// </summary>
    public static ImageDataset Read(string name, IReadOnlyList<string> paths, IReadOnlyList<string>? classNames = null, DataOptions? options = null) =>
        Read(name, paths, classNames, options ?? new DataOptions(), ImageDataset.DefaultChunkBytes);

    /// <summary>As the public Read, with the pixel chunk size settable (tests cross chunk boundaries with tiny images).</summary>
    internal static ImageDataset Read(string name, IReadOnlyList<string> paths, IReadOnlyList<string>? classNames, DataOptions options, long chunkBytes)
    {
        if (paths.Count == 0)
            throw new ArgumentException("no downsampled-ImageNet batch files given", nameof(paths));
        ImageNetMemoryCheck.Run(name, paths, options);
        int limit = options.MaxImages > 0 ? options.MaxImages : int.MaxValue;
        ImagePixelWriter? writer = null;
        var labels = new List<int[]>(paths.Count);
        int count = 0, side = 0;
        for (int f = 0; f < paths.Count && count < limit; f++)
        {
            var batch = ReadBatch(paths[f]);
            if (f > 0 && batch.Side != side)
                throw new DataException($"{paths[f]} holds {batch.Side}x{batch.Side} images but {paths[0]} holds {side}x{side}; give batches of one size");
            side = batch.Side;
            int take = Math.Min(batch.Count, limit - count), row = 3 * side * side;
            bool last = f == paths.Count - 1 || count + take == limit;
            if (f == 0 && last && take == batch.Count)
                return new ImageDataset(name, batch.Pixels, batch.Labels, 3, side, side, classNames); // one whole batch: its array is the set, no copy
            // Each batch is copied once into chunks of whole images and then let go: the peak is the set plus one batch.
            writer ??= new ImagePixelWriter(row, ImageDataset.ChunkImagesFor(row, chunkBytes));
            writer.Append(batch.Pixels.AsSpan(0, take * row), last);
            labels.Add(take == batch.Count ? batch.Labels : batch.Labels[..take]);
            count += take;
            if (last && f < paths.Count - 1)
                options.Info($"{name}: the first {count} images are in the first {f + 1} of {paths.Count} batch files; the others are not read");
        }
        return writer!.ToDataset(name, [.. labels.SelectMany(l => l)], 3, side, side, classNames);
    }

    /// <summary>Whether <paramref name="path"/> is named as the batch files are (train_data_batch_N or val_data, optionally .npz).</summary>
    public static bool LooksLikeBatch(string path)
    {
        var file = Path.GetFileName(path);
        if (file.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
            file = file[..^4];
        const string train = "train_data_batch_";
        return file == "val_data" || (file.StartsWith(train, StringComparison.Ordinal) && file.Length > train.Length && file[train.Length..].All(char.IsAsciiDigit));
    }

    /// <summary>Reads one batch file, telling a pickle from an .npz by its first bytes.</summary>
    public static DownsampledImageNetBatch ReadBatch(string path)
    {
        if (!File.Exists(path))
            throw new DataException($"downsampled-ImageNet batch {path} does not exist; check the path");
        Span<byte> magic = stackalloc byte[2];
        try
        {
            using var probe = File.OpenRead(path);
            if (probe.ReadAtLeast(magic, 2, throwOnEndOfStream: false) < 2)
                throw new DataException($"{path}: is {probe.Length} bytes long, too short for a downsampled-ImageNet batch; download it again");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot read {path}: {e.Message}", e);
        }
        return magic[0] == 'P' && magic[1] == 'K' ? ReadNpz(path) : ReadPickle(path);
    }

    private static DownsampledImageNetBatch ReadNpz(string path)
    {
        using var npz = NpzReader.Open(path);
        var data = npz.ReadUInt8("data");
        var labels = npz.ReadInt32("labels");
        if (data.Rank != 2)
            throw new DataException($"{path}: 'data' has shape ({string.Join(", ", data.Shape)}); a downsampled-ImageNet batch has N rows of 3*S*S pixels");
        if (labels.Rank != 1)
            throw new DataException($"{path}: 'labels' has shape ({string.Join(", ", labels.Shape)}) where a list of N labels is expected");
        return Checked(path, data.Data, data.Shape[0], data.Shape[1], labels.Data);
    }

    private static DownsampledImageNetBatch ReadPickle(string path)
    {
        var dict = BatchPickleReader.ReadDict(path);
        PickleValue? data = null, labels = null;
        foreach (var (key, value) in dict.Items)
        {
            switch (BatchPickleReader.TextOf(key))
            {
                case "data": data = value; break;
                case "labels": labels = value; break;
                case "mean": break; // the train mean: not needed, the flow sees raw pixels
                default:
                    throw new DataException($"{path}: has the key '{BatchPickleReader.TextOf(key) ?? BatchPickleReader.TypeName(key)}', which a downsampled-ImageNet batch never has; it is not such a file");
            }
        }
        if (data is not PyArray { DType: { } dtype, Data: { } bytes } array)
            throw new DataException($"{path}: has no numpy array 'data'; it is not a downsampled-ImageNet batch");
        if (dtype.Code != "u1")
            throw new DataException($"{path}: 'data' holds {dtype.Code} values where uint8 pixels (u1) are expected");
        if (array.Shape.Length != 2 || array.FortranOrder)
            throw new DataException($"{path}: 'data' has shape ({string.Join(", ", array.Shape)}){(array.FortranOrder ? " in Fortran order" : "")}; a batch has N rows of 3*S*S pixels in C order");
        if (array.Shape[0] > int.MaxValue || array.Shape[1] > int.MaxValue || array.Shape[0] * array.Shape[1] != bytes.LongLength)
            throw new DataException($"{path}: 'data' claims shape ({array.Shape[0]}, {array.Shape[1]}) but holds {bytes.LongLength} bytes; the file is corrupt");
        return Checked(path, bytes, (int)array.Shape[0], (int)array.Shape[1], LabelsOf(path, labels));
    }

    // A list of Python ints in the pickles; an int array is accepted as well, as np.savez would store it.
    private static int[] LabelsOf(string path, PickleValue? labels) => labels switch
    {
        PyList list => list.Items.Select(v => v is PyInt { Value: >= int.MinValue and <= int.MaxValue } i ? (int)i.Value
            : throw new DataException($"{path}: 'labels' holds a {BatchPickleReader.TypeName(v)} where integer labels are expected")).ToArray(),
        PyArray { Shape.Length: 1, DType: { ByteOrder: not '>' } dtype, Data: { } bytes } array when dtype.Code is "i8" or "i4" or "i2" or "u2" or "u1" =>
            IntArray(path, bytes, (int)Math.Min(array.Shape[0], int.MaxValue), dtype.Code),
        null => throw new DataException($"{path}: has no 'labels'; it is not a downsampled-ImageNet batch"),
        _ => throw new DataException($"{path}: 'labels' is a {BatchPickleReader.TypeName(labels)} where a list of integer labels is expected"),
    };

    private static int[] IntArray(string path, byte[] bytes, int count, string code)
    {
        int size = code[1] - '0';
        if ((long)count * size != bytes.LongLength)
            throw new DataException($"{path}: 'labels' claims {count} values of {code} but holds {bytes.LongLength} bytes; the file is corrupt");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            var at = bytes.AsSpan(i * size, size);
            long v = code switch
            {
                "i8" => BinaryPrimitives.ReadInt64LittleEndian(at),
                "i4" => BinaryPrimitives.ReadInt32LittleEndian(at),
                "i2" => BinaryPrimitives.ReadInt16LittleEndian(at),
                "u2" => BinaryPrimitives.ReadUInt16LittleEndian(at),
                _ => at[0],
            };
            labels[i] = v is >= int.MinValue and <= int.MaxValue ? (int)v : int.MaxValue; // out of range: refused by Checked
        }
        return labels;
    }

    private static DownsampledImageNetBatch Checked(string path, byte[] pixels, int rows, int rowBytes, int[] labels)
    {
        int side = Sides.FirstOrDefault(s => 3 * s * s == rowBytes);
        if (side == 0)
            throw new DataException($"{path}: rows of {rowBytes} bytes are not 3*S*S colour images for S in {string.Join(", ", Sides)}; it is not a downsampled-ImageNet batch");
        if (labels.Length != rows)
            throw new DataException($"{path}: has {rows} images but {labels.Length} labels; the file is corrupt, download it again");
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] is < 1 or > Classes)
                throw new DataException($"{path}: label {i} is {labels[i]}, outside the classes 1..{Classes} of downsampled ImageNet; the file is corrupt");
            labels[i]--;
        }
        return new DownsampledImageNetBatch(pixels, labels, side);
    }
}

namespace Flows.Core.Data;

/// <summary>Which CIFAR binary layout: one label byte (CIFAR-10) or coarse + fine label bytes (CIFAR-100).</summary>
public enum CifarVariant
{
    Cifar10,
    Cifar100,
}

/// <summary>
/// The CIFAR binary format: fixed-size records of label byte(s) then 3072 pixel bytes, already in C×H×W order
/// (1024 red, 1024 green, 1024 blue, each row-major). No header, so the file size gives the count.
/// </summary>
public static class CifarReader
{
    public const int ImageBytes = 3 * 32 * 32;

    public static int RecordBytes(CifarVariant variant) => LabelBytes(variant) + ImageBytes;

    /// <summary>
    /// Reads the batches in order into one data set. CIFAR-100's label is the fine one (0..99), as torchvision's.
    /// </summary>
    public static ImageDataset Read(string name, IReadOnlyList<string> paths, CifarVariant variant, IReadOnlyList<string>? classNames = null)
    {
        if (paths.Count == 0)
            throw new ArgumentException("no CIFAR batch files given", nameof(paths));
        int record = RecordBytes(variant);
        var counts = new int[paths.Count];
        long total = 0;
        for (int f = 0; f < paths.Count; f++)
        {
            counts[f] = RecordCount(paths[f], variant);
            total += counts[f];
        }
        if (total * ImageBytes > Array.MaxLength)
            throw new DataException($"{total} CIFAR records are more than one array can hold; load fewer batch files");

        var pixels = new byte[total * ImageBytes];
        var labels = new int[total];
        int index = 0;
        var chunk = new byte[record * 1024];
        for (int f = 0; f < paths.Count; f++)
        {
            using var stream = new FileStream(paths[f], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            for (int left = counts[f]; left > 0;)
            {
                int n = Math.Min(left, 1024);
                int got = stream.ReadAtLeast(chunk.AsSpan(0, n * record), n * record, throwOnEndOfStream: false);
                if (got < n * record)
                    throw new DataException($"{paths[f]} shrank while it was read; check the disk and download it again");
                for (int r = 0; r < n; r++, index++)
                {
                    var rec = chunk.AsSpan(r * record, record);
                    labels[index] = CheckedLabel(rec, variant, paths[f], counts[f] - left + r);
                    rec[LabelBytes(variant)..].CopyTo(pixels.AsSpan(index * ImageBytes, ImageBytes));
                }
                left -= n;
            }
        }
        return new ImageDataset(name, pixels, labels, 3, 32, 32, classNames);
    }

    /// <summary>The number of records in a batch file, checking that its size is a whole number of records.</summary>
    public static int RecordCount(string path, CifarVariant variant)
    {
        if (!File.Exists(path))
            throw new DataException($"CIFAR batch {path} does not exist; check the path");
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot read CIFAR batch {path}: {e.Message}", e);
        }
        int record = RecordBytes(variant);
        if (length == 0 || length % record != 0)
            throw new DataException(
                $"{path}: {length} bytes is not a whole number of {record}-byte {Title(variant)} records ({length / record} records and {length % record} bytes left over); the file is truncated or not {Title(variant)}, download it again");
        if (length / record > int.MaxValue)
            throw new DataException($"{path} is too large to be a {Title(variant)} batch");
        return (int)(length / record);
    }

    private static int LabelBytes(CifarVariant variant) => variant == CifarVariant.Cifar10 ? 1 : 2;

    private static string Title(CifarVariant variant) => variant == CifarVariant.Cifar10 ? "CIFAR-10" : "CIFAR-100";

    // Out-of-range labels are the cheapest sign of a wrong file or a wrong variant (CIFAR-100 read as CIFAR-10).
    private static int CheckedLabel(ReadOnlySpan<byte> record, CifarVariant variant, string path, int index)
    {
        if (variant == CifarVariant.Cifar10)
        {
            if (record[0] > 9)
                throw new DataException($"{path}: record {index} has label {record[0]}, but CIFAR-10 labels are 0..9; the file is corrupt or not CIFAR-10");
            return record[0];
        }
        if (record[0] > 19 || record[1] > 99)
            throw new DataException(
                $"{path}: record {index} has coarse/fine labels {record[0]}/{record[1]}, but CIFAR-100 has 0..19/0..99; the file is corrupt or not CIFAR-100");
        return record[1];
    }
}

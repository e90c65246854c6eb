using System.Globalization;
using System.IO.Compression;

namespace Flows.Core.Data;

/// <summary>
/// Before the downsampled-ImageNet batches are read: do they fit in memory? The full 64×64 train split is 15.7 GB
/// (docs/MODELS.md §3.1); reading it on a smaller machine would end, minutes later, in an OutOfMemoryException.
/// </summary>
internal static class ImageNetMemoryCheck
{
    // The largest row of the batch files (3·64·64): a bound for --train-limit N before any file is opened.
    private const int MaxRowBytes = 3 * 64 * 64;

    /// <summary>Throws a DataException naming the sizes and the fixes when the batches cannot fit; names a missing file first.</summary>
    public static void Run(string name, IReadOnlyList<string> paths, DataOptions options)
    {
        long total = 0, largest = 0;
        foreach (var path in paths)
        {
            if (!File.Exists(path))
                throw new DataException($"downsampled-ImageNet batch {path} does not exist; check the path");
            long bytes = PixelBytesOf(path);
            total += bytes;
            largest = Math.Max(largest, bytes);
        }
        long data = options.MaxImages > 0 ? Math.Min(total, (long)options.MaxImages * MaxRowBytes) : total;
        // One whole batch is the set itself; otherwise the batch being copied into place is held beside the set.
        long needed = data + (paths.Count > 1 || data < total ? largest : 0);
        long available = options.AvailableMemoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (needed <= available)
            return;
        string set = name.Split('/')[0];
        throw new DataException(
            $"{name}: the {paths.Count} batch file{(paths.Count == 1 ? "" : "s")} from {paths[0]} hold {Gb(total)} of images and loading " +
            $"{(data < total ? $"the first {options.MaxImages}" : "them")} needs about {Gb(needed)} of memory, but {Gb(available)} is available; " +
            $"keep fewer images with --train-limit N (only the files holding the first N are read), or load one batch file as --dataset {set}={paths[0]}");
    }

    // A pickle holds its pixels plus a few hundred kilobytes of labels and mean; an .npz says its arrays' sizes in its directory.
    private static long PixelBytesOf(string path)
    {
        try
        {
            using (var probe = File.OpenRead(path))
                if (probe.ReadByte() != 'P' || probe.ReadByte() != 'K')
                    return probe.Length;
            using var zip = ZipFile.OpenRead(path);
            return zip.GetEntry("data.npy")?.Length ?? new FileInfo(path).Length;
        }
        catch (InvalidDataException)
        {
            return new FileInfo(path).Length; // a broken zip: the reader names the problem when it gets there
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static string Gb(long bytes) => bytes switch
    {
        >= 1_000_000_000 => (bytes / 1e9).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
        >= 1_000_000 => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " bytes",
    };
}

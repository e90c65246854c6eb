namespace Flows.Core.Data;

/// <summary>
/// CelebA as the paper loads it: aligned 178×218 JPEGs, Resize(32) (shorter side to 32, bilinear) then
/// CenterCrop(32), RGB. Two layouts are accepted in the data set's folder:
/// the official one, img_align_celeba/*.jpg with list_eval_partition.txt (0 = train, 2 = test), or the paper's
/// ImageFolder one, train/&lt;any&gt;/*.jpg and test/&lt;any&gt;/*.jpg.
/// </summary>
public static class CelebAReader
{
    public const int Size = 32;
    public const string ImagesFolder = "img_align_celeba";
    public const string PartitionFile = "list_eval_partition.txt";

    /// <summary>True when <paramref name="folder"/> holds either accepted layout.</summary>
    public static bool HasLayout(string folder) =>
        Directory.Exists(Path.Combine(folder, "train")) && Directory.Exists(Path.Combine(folder, "test"))
        || Directory.Exists(Path.Combine(folder, ImagesFolder)) && File.Exists(Path.Combine(folder, PartitionFile));

    public static ImageDataset Read(string name, string folder, DatasetSplit split, ImageDecodeLimits limits, Action<string>? log)
    {
        var options = new ImageFolderOptions(3, Size, limits, log);
        var splitDir = Path.Combine(folder, split == DatasetSplit.Train ? "train" : "test");
        if (Directory.Exists(splitDir))
            return ImageFolderReader.Read(name, splitDir, options);

        var partition = Path.Combine(folder, PartitionFile);
        var images = Path.Combine(folder, ImagesFolder);
        if (!Directory.Exists(images) || !File.Exists(partition))
            throw new DataException(
                $"CelebA is not in {folder}: put the aligned images at {images}{Path.DirectorySeparatorChar}000001.jpg ... and {PartitionFile} at {partition} (both from the CelebA site, 'Align&Cropped Images' and 'Eval'), or use train/ and test/ sub-folders");
        // The zip holds a folder of the same name; unzipping into img_align_celeba/ nests it once more.
        var nested = Path.Combine(images, ImagesFolder);
        if (Directory.Exists(nested))
            images = nested;

        var files = new List<string>();
        int missing = 0;
        int wanted = split == DatasetSplit.Train ? 0 : 2;
        foreach (var (file, part) in ReadPartition(partition))
        {
            if (part != wanted)
                continue;
            var path = Path.Combine(images, file);
            if (File.Exists(path))
                files.Add(path);
            else
                missing++;
        }
        if (missing > 0)
            log?.Invoke($"{name}: {missing} images listed in {PartitionFile} are not in {images}; loading the {files.Count} present");
        if (files.Count == 0)
            throw new DataException($"no CelebA {split.ToString().ToLowerInvariant()} images found in {images}; check that the zip was extracted there");
        var labels = new int[files.Count];
        Array.Fill(labels, -1);
        return ImageFolderReader.ReadFiles(name, files, labels, null, options);
    }

    private static IEnumerable<(string File, int Partition)> ReadPartition(string path)
    {
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
                continue;
            if (parts.Length != 2 || !int.TryParse(parts[1], out int part) || part is < 0 or > 2 || parts[0].Contains("..") || Path.IsPathRooted(parts[0]))
                throw new DataException($"{path} line {lineNumber} is not 'NAME.jpg 0|1|2': '{line}'; download {PartitionFile} again");
            yield return (parts[0], part);
        }
    }
}

namespace Flows.Core.Data;

/// <summary>
/// Loads a data set from a user-given path, telling the format from the file's extension and magic bytes or from
/// the names in a folder: IDX (gzip or plain; labels found beside the images), CIFAR-10/100 .bin, SVHN .mat,
/// a folder laid out like a registered data set, CelebA's layouts, train/ and test/ image folders, or one image
/// folder (class sub-folders or flat).
/// </summary>
public static class PathDatasetLoader
{
    /// <summary>
    /// Loads <paramref name="path"/> as <paramref name="name"/>. When <paramref name="registered"/> is given and
    /// the folder holds that data set's files, they are read as the registry describes them.
    /// </summary>
    public static ImageDataset Load(string name, string path, DatasetSplit split, DataOptions options, DatasetInfo? registered)
    {
        if (registered is not null)
            DatasetLoader.CheckImages(registered);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            if (registered is null)
                return LoadFolder(name, full, split, options);
            if (HoldsFilesOf(registered, full, split))
                return DatasetLoader.LoadFromFolder(registered, full, split, options);
            // Another form of a known set (notMNIST_small's PNG folders, a folder of CelebA JPEGs): its shape applies.
            return LoadFolder(name, full, split, options with
            {
                ImageChannels = options.ImageChannels ?? registered.Channels,
                ImageSize = options.ImageSize ?? (registered.Height == registered.Width ? registered.Height : null),
            });
        }
        if (File.Exists(full))
            return LoadFile(name, full, options);
        throw new DataException($"no file or folder at {full}; check the path");
    }

    /// <summary>A data set name from a path: the file or folder name without extensions such as .gz.</summary>
    public static string NameOf(string path)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)));
        while (Path.HasExtension(name) && Path.GetFileNameWithoutExtension(name).Length > 0)
            name = Path.GetFileNameWithoutExtension(name);
        return name;
    }

    public static ImageDataset LoadFile(string name, string path, DataOptions options)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext == ".mat")
            return SvhnReader.Read(name, path);
        if (ext == ".bin")
            return CifarReader.Read(name, [path], CifarVariantOf(path));
        if (DownsampledImageNetReader.LooksLikeBatch(path))
            return DownsampledImageNetReader.Read(name, [path], options: options);
        if (SafeImageDecoder.IsImageFile(path))
            throw new DataException($"{path} is a single image; give the folder that holds the images");
        if (IdxReader.LooksLikeIdxImages(path))
            return ReadIdxWithSiblingLabels(name, path, options);
        throw new DataException(
            $"cannot tell the format of {path}: expected IDX images (plain or .gz), a CIFAR .bin, an SVHN .mat, a downsampled-ImageNet batch (train_data_batch_N, val_data, pickle or .npz) or a folder of images; an IDX labels file is loaded through its images file");
    }

    private static ImageDataset LoadFolder(string name, string folder, DatasetSplit split, DataOptions options)
    {
        var prefix = split == DatasetSplit.Train ? "train" : "t10k";
        var idx = Directory.GetFiles(folder, $"{prefix}-images*idx3*").Order(StringComparer.Ordinal).FirstOrDefault();
        if (idx is not null)
            return ReadIdxWithSiblingLabels($"{name}/{split.ToString().ToLowerInvariant()}", idx, options);
        if (Directory.GetFiles(folder, "*-images*idx3*").Length > 0)
            throw new DataException($"{folder} holds IDX files but none for the {split.ToString().ToLowerInvariant()} split ({prefix}-images-idx3-ubyte[.gz])");

        foreach (var registered in DatasetRegistry.All.Where(d => d.Format is not (DatasetFormat.Idx or DatasetFormat.CelebA)))
            if (registered.Files.Any(f => File.Exists(Path.Combine(folder, f.Name)) || f.StandIn is { } s && File.Exists(Path.Combine(folder, s.Name))))
                return Renamed(DatasetLoader.LoadFromFolder(registered, folder, split, options), name, split);
        if (Directory.Exists(Path.Combine(folder, CelebAReader.ImagesFolder)) && File.Exists(Path.Combine(folder, CelebAReader.PartitionFile)))
            return Renamed(DatasetLoader.LoadFromFolder(DatasetRegistry.Get("celeba"), folder, split, options), name, split);

        var imageOptions = new ImageFolderOptions(options.ImageChannels, options.ImageSize, options.ImageLimits, options.Log);
        var splitFolder = Path.Combine(folder, split == DatasetSplit.Train ? "train" : "test");
        if (Directory.Exists(splitFolder))
            return ImageFolderReader.Read($"{name}/{split.ToString().ToLowerInvariant()}", splitFolder, imageOptions);
        options.Info($"{name}: {folder} has no train/ or test/ sub-folder, so all its images serve as the {split.ToString().ToLowerInvariant()} split");
        return ImageFolderReader.Read(name, folder, imageOptions);
    }

    // A user's NAME=PATH for a registered name works when the folder holds that set's files for this split.
    private static bool HoldsFilesOf(DatasetInfo info, string folder, DatasetSplit split)
    {
        if (!info.HasSplit(split))
            return false;
        if (info.Format == DatasetFormat.CelebA)
            return CelebAReader.HasLayout(folder);
        return info.FilesFor(split).All(f => File.Exists(Path.Combine(folder, f.Name)) || f.StandIn is { } s && File.Exists(Path.Combine(folder, s.Name)));
    }

    private static ImageDataset ReadIdxWithSiblingLabels(string name, string imagesPath, DataOptions options)
    {
        var labels = LabelsBeside(imagesPath);
        if (labels is null)
            options.Info($"{name}: no labels file beside {imagesPath} (looked for its -labels-idx1 twin); the images are unlabelled");
        return IdxReader.Read(name, imagesPath, labels);
    }

    private static string? LabelsBeside(string imagesPath)
    {
        var dir = Path.GetDirectoryName(imagesPath)!;
        var file = Path.GetFileName(imagesPath);
        var twin = file.Replace("-images-idx3", "-labels-idx1", StringComparison.Ordinal).Replace("-images.idx3", "-labels.idx1", StringComparison.Ordinal);
        if (twin == file)
            return null;
        var stem = twin.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? twin[..^3] : twin;
        return new[] { twin, stem + ".gz", stem }.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);
    }

    // Record sizes 3073 and 3074 are coprime, so a size fits both only at multiples of 3073·3074 records.
    private static CifarVariant CifarVariantOf(string path)
    {
        long length = new FileInfo(path).Length;
        bool fits10 = length > 0 && length % CifarReader.RecordBytes(CifarVariant.Cifar10) == 0;
        bool fits100 = length > 0 && length % CifarReader.RecordBytes(CifarVariant.Cifar100) == 0;
        if (fits10 && fits100)
            return path.Contains("100", StringComparison.Ordinal) ? CifarVariant.Cifar100 : CifarVariant.Cifar10;
        if (fits100)
            return CifarVariant.Cifar100;
        if (fits10)
            return CifarVariant.Cifar10;
        throw new DataException(
            $"{path}: {length} bytes is a whole number of neither CIFAR-10 (3073-byte) nor CIFAR-100 (3074-byte) records; the file is truncated or not a CIFAR batch");
    }

    private static ImageDataset Renamed(ImageDataset d, string name, DatasetSplit split) =>
        d.Renamed($"{name}/{split.ToString().ToLowerInvariant()}");
}

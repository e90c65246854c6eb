namespace Flows.Core.Data;

/// <summary>
/// The app's entry point for data: a registered name (downloaded on first use) or a path to a file or folder in
/// one of the supported formats, loaded as an <see cref="ImageDataset"/>.
/// </summary>
public static class DatasetLoader
{
    /// <summary>
    /// Loads <paramref name="spec"/>: a registry name (case-insensitive, aliases such as fmnist accepted),
    /// NAME=PATH, or a plain path to an IDX/CIFAR/SVHN file or a folder (see <see cref="PathDatasetLoader"/>).
    /// </summary>
    public static ImageDataset Load(string spec, DatasetSplit split, DataOptions options) =>
        LoadAsync(spec, split, options).GetAwaiter().GetResult();

    public static async Task<ImageDataset> LoadAsync(string spec, DatasetSplit split, DataOptions options, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec = spec.Trim();
        int eq = spec.IndexOf('=');
        if (eq >= 0)
        {
            var name = spec[..eq].Trim();
            var path = spec[(eq + 1)..].Trim();
            if (name.Length == 0 || path.Length == 0)
                throw new DataException($"'{spec}' is not NAME=PATH; write for example notmnist=/data/notMNIST_small");
            return Limited(PathDatasetLoader.Load(name, path, split, options, DatasetRegistry.Find(name)), options);
        }
        if (DatasetRegistry.Find(spec) is { } info)
            return await LoadAsync(info, split, options, cancel).ConfigureAwait(false);
        if (File.Exists(spec) || Directory.Exists(spec))
            return Limited(PathDatasetLoader.Load(PathDatasetLoader.NameOf(spec), spec, split, options, null), options);
        if (spec.Contains('/') || spec.Contains('\\') || Path.HasExtension(spec))
            throw new DataException($"no file or folder at {Path.GetFullPath(spec)}; check the path");
        throw DatasetRegistry.Unknown(spec);
    }

    /// <summary>Loads a registered data set, downloading its missing files first (unless offline).</summary>
    public static async Task<ImageDataset> LoadAsync(DatasetInfo info, DatasetSplit split, DataOptions options, CancellationToken cancel = default)
    {
        CheckImages(info);
        CheckSplit(info, split);
        var folder = await EnsureWithHintAsync(info, split, options, cancel).ConfigureAwait(false);
        return LoadFromFolder(info, folder, split, options);
    }

    /// <summary>
    /// <see cref="DatasetDownloader.EnsureAsync(DatasetInfo, DatasetSplit?, DataOptions, CancellationToken)"/>, whose
    /// failure (offline, no network, manual download) also says how to point at a copy already on this machine.
    /// </summary>
    public static async Task<string> EnsureWithHintAsync(DatasetInfo info, DatasetSplit? split, DataOptions options, CancellationToken cancel = default)
    {
        try
        {
            return await DatasetDownloader.EnsureAsync(info, split, options, cancel).ConfigureAwait(false);
        }
        catch (DataException e) when (!e.Message.Contains(DataDirectory.EnvironmentVariable, StringComparison.Ordinal))
        {
            throw new DataException(
                $"{e.Message.TrimEnd('.', ' ')}; or, if {info.Name} is already on this machine, pass --data-dir PATH or set " +
                $"{DataDirectory.EnvironmentVariable} to the folder that holds its {info.Folder}/ folder", e);
        }
    }

    public static ImageDataset Load(DatasetInfo info, DatasetSplit split, DataOptions options) =>
        LoadAsync(info, split, options).GetAwaiter().GetResult();

    /// <summary>Reads a registered data set's files from <paramref name="folder"/>; never downloads.</summary>
    public static ImageDataset LoadFromFolder(DatasetInfo info, string folder, DatasetSplit split, DataOptions options)
    {
        CheckImages(info);
        CheckSplit(info, split);
        var name = $"{info.Name}/{split.ToString().ToLowerInvariant()}";
        bool standIn = false;
        string Resolve(DatasetFile file)
        {
            var path = Path.Combine(folder, file.Name);
            if (File.Exists(path))
                return path;
            if (file.StandIn is { } s && File.Exists(Path.Combine(folder, s.Name)))
            {
                standIn = true;
                options.Info($"{info.Name}: {file.Name} is absent, using {s.Name} instead ({file.StandInNote})");
                return Path.Combine(folder, s.Name);
            }
            var source = file.Url ?? (info.Archive is { } a ? $"{a.MemberFolder}/{file.Name} in {a.Url}" : info.Homepage);
            throw new DataException($"{path} is missing; get it with `data download {info.Name}` or put it there by hand (from {source})");
        }

        var files = info.FilesFor(split).ToList();
        var dataset = info.Format switch
        {
            DatasetFormat.Idx => IdxReader.Read(name, Resolve(files.Single(f => f.Name.Contains("-images-", StringComparison.Ordinal))),
                Resolve(files.Single(f => f.Name.Contains("-labels-", StringComparison.Ordinal))), info.ClassNames),
            DatasetFormat.Cifar10 => CifarReader.Read(name, files.Select(Resolve).ToList(), CifarVariant.Cifar10, info.ClassNames),
            DatasetFormat.Cifar100 => CifarReader.Read(name, files.Select(Resolve).ToList(), CifarVariant.Cifar100, info.ClassNames),
            DatasetFormat.SvhnMat => SvhnReader.Read(name, Resolve(files.Single())),
            DatasetFormat.DownsampledImageNet => DownsampledImageNetReader.Read(name, files.Select(Resolve).ToList(), info.ClassNames, options),
            DatasetFormat.CelebA => CelebAReader.Read(name, folder, split, options.ImageLimits, options.Log),
            _ => throw new InvalidOperationException($"unknown format {info.Format}"),
        };
        if (dataset.Channels != info.Channels || dataset.Height != info.Height || dataset.Width != info.Width)
            throw new DataException(
                $"{folder}: {name} images are {dataset.Channels}x{dataset.Height}x{dataset.Width}, but {info.Title} has {info.Channels}x{info.Height}x{info.Width}; these are not its files");
        if (!standIn && info.CountOf(split) is int expected && dataset.Count != expected && !(options.MaxImages > 0 && dataset.Count >= Math.Min(options.MaxImages, expected)))
            options.Info($"{name}: {dataset.Count} images where the official split has {expected}");
        return Limited(dataset, options);
    }

    // Readers that cannot stop early (one file, or small sets) read all; the first MaxImages are kept here.
    private static ImageDataset Limited(ImageDataset dataset, DataOptions options) =>
        options.MaxImages > 0 && dataset.Count > options.MaxImages ? dataset.Subset(options.MaxImages) : dataset;

    // Vector sets share the registry (download, list, verify) but not the image path.
    internal static void CheckImages(DatasetInfo info)
    {
        if (info.Kind == DatasetKind.Vector)
            throw new DataException(
                $"{info.Name} is a table of vectors, not images; use it as a UCI task ({string.Join(", ", Uci.UciTask.Names.Where(n => n.StartsWith(info.Name, StringComparison.Ordinal)))})");
    }

    private static void CheckSplit(DatasetInfo info, DatasetSplit split)
    {
        if (!info.HasSplit(split))
            throw new DataException(
                $"{info.Name} has no {split.ToString().ToLowerInvariant()} split ({info.Note ?? "it is used for testing only"}); use its test split");
    }
}

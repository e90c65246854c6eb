using System.Collections.Concurrent;

namespace Flows.Core.Data;

/// <summary>How to turn a folder of image files into same-shape images.</summary>
/// <param name="Channels">1 (grayscale) or 3 (RGB); null infers 1 when the first images are all gray.</param>
/// <param name="Size">Square side after Resize + CenterCrop; null keeps the images' own (common) size.</param>
public sealed record ImageFolderOptions(int? Channels, int? Size, ImageDecodeLimits Limits, Action<string>? Log = null);

/// <summary>
/// torchvision's ImageFolder: each sub-folder of the root is a class (sorted by name, label = index) and its
/// images, found recursively, come in sorted path order. A folder without sub-folders gives unlabelled images.
/// Unreadable files are skipped with a log line, as the paper's notMNIST_small needs (two broken PNGs).
/// </summary>
public static class ImageFolderReader
{
    public static ImageDataset Read(string name, string root, ImageFolderOptions options)
    {
        if (!Directory.Exists(root))
            throw new DataException($"image folder {root} does not exist; check the path");
        var classDirs = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray();
        var files = new List<string>();
        var labels = new List<int>();
        if (classDirs.Length == 0)
        {
            files.AddRange(ImagesUnder(root, SearchOption.TopDirectoryOnly));
            labels.AddRange(Enumerable.Repeat(-1, files.Count));
        }
        for (int c = 0; c < classDirs.Length; c++)
        {
            var classFiles = ImagesUnder(classDirs[c], SearchOption.AllDirectories);
            if (classFiles.Count == 0)
                options.Log?.Invoke($"{name}: class folder {classDirs[c]} holds no images");
            files.AddRange(classFiles);
            labels.AddRange(Enumerable.Repeat(c, classFiles.Count));
        }
        if (files.Count == 0)
            throw new DataException(
                $"{root} holds no images ({string.Join(" ", SafeImageDecoder.Extensions)}), directly or in class sub-folders; check the path");
        var classNames = classDirs.Select(Path.GetFileName).Select(n => n ?? "").ToArray();
        return ReadFiles(name, files, labels.ToArray(), classNames, options);
    }

    /// <summary>
    /// Decodes the files (in parallel) into one data set with the given labels, skipping unreadable ones.
    /// </summary>
    public static ImageDataset ReadFiles(string name, IReadOnlyList<string> files, int[] labels, IReadOnlyList<string>? classNames, ImageFolderOptions options)
    {
        if (files.Count != labels.Length)
            throw new ArgumentException($"{files.Count} files but {labels.Length} labels");
        var decoder = new SafeImageDecoder(options.Limits);
        var failures = new ConcurrentDictionary<int, string>();
        var (channels, height, width) = DecideShape(files, options, decoder, failures);
        int imageSize = channels * height * width;
        if ((long)imageSize * files.Count > Array.MaxLength)
            throw new DataException($"{files.Count} images of {channels}x{height}x{width} do not fit in memory as one array; load fewer or smaller images");

        var pixels = new byte[(long)imageSize * files.Count];
        DataException? shapeError = null;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            if (failures.ContainsKey(i))
                return;
            try
            {
                using var image = decoder.LoadRgb(files[i]);
                if (options.Size is int size)
                    ImageTransforms.ResizeAndCenterCrop(image, size);
                else if (image.Width != width || image.Height != height)
                {
                    Interlocked.CompareExchange(ref shapeError, new DataException(
                        $"{files[i]} is {image.Width}x{image.Height} but the first image is {width}x{height}; images of different sizes need an image size to resize them to"), null);
                    return;
                }
                ImageTransforms.CopyChw(image, pixels.AsSpan(i * imageSize, imageSize), channels);
            }
            catch (DataException e)
            {
                failures[i] = e.Message;
            }
        });
        decoder.Configuration.MemoryAllocator.ReleaseRetainedResources();
        if (shapeError is not null)
            throw shapeError;
        if (failures.Count == files.Count)
            throw new DataException($"none of the {files.Count} images of {name} could be decoded; first problem: {failures.OrderBy(f => f.Key).First().Value}");
        if (failures.Count > 0)
        {
            foreach (var (_, reason) in failures.OrderBy(f => f.Key).Take(10))
                options.Log?.Invoke($"{name}: skipped unreadable image: {reason}");
            if (failures.Count > 10)
                options.Log?.Invoke($"{name}: skipped {failures.Count - 10} more unreadable images");
            (pixels, labels) = Without(pixels, labels, imageSize, failures.Keys.ToHashSet());
        }
        return new ImageDataset(name, pixels, labels, channels, height, width, classNames);
    }

    private static List<string> ImagesUnder(string dir, SearchOption depth) =>
        Directory.EnumerateFiles(dir, "*", depth).Where(SafeImageDecoder.IsImageFile).Order(StringComparer.Ordinal).ToList();

    // The shape comes from the options or from the first readable image; channels are inferred from up to 8 images.
    private static (int C, int H, int W) DecideShape(IReadOnlyList<string> files, ImageFolderOptions options,
        SafeImageDecoder decoder, ConcurrentDictionary<int, string> failures)
    {
        if (options.Channels is not (null or 1 or 3))
            throw new ArgumentException($"image channels must be 1 or 3, got {options.Channels}");
        if (options.Size is <= 0)
            throw new ArgumentException($"image size must be positive, got {options.Size}");
        int? height = options.Size, width = options.Size;
        bool allGray = true;
        int seen = 0;
        for (int i = 0; i < files.Count && (height is null || (options.Channels is null && seen < 8)); i++)
        {
            try
            {
                using var image = decoder.LoadRgb(files[i]);
                height ??= image.Height;
                width ??= image.Width;
                allGray &= ImageTransforms.IsGray(image);
                seen++;
            }
            catch (DataException e)
            {
                failures[i] = e.Message;
            }
        }
        if (height is null || width is null)
            throw new DataException($"none of the {files.Count} images could be decoded; first problem: {failures.OrderBy(f => f.Key).First().Value}");
        int channels = options.Channels ?? (allGray ? 1 : 3);
        return (channels, height.Value, width.Value);
    }

    private static (byte[] Pixels, int[] Labels) Without(byte[] pixels, int[] labels, int imageSize, HashSet<int> skip)
    {
        var keptPixels = new byte[(long)imageSize * (labels.Length - skip.Count)];
        var keptLabels = new int[labels.Length - skip.Count];
        for (int i = 0, k = 0; i < labels.Length; i++)
        {
            if (skip.Contains(i))
                continue;
            Array.Copy(pixels, (long)i * imageSize, keptPixels, (long)k * imageSize, imageSize);
            keptLabels[k++] = labels[i];
        }
        return (keptPixels, keptLabels);
    }
}

using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>
/// The imagenet64 train split from all its batch files (docs/MODELS.md §3.1), on small files in the exact format:
/// one set over several pixel chunks, a missing file named, a memory check before reading, and --train-limit
/// (DataOptions.MaxImages) reading only the files that hold the first N images.
/// </summary>
public sealed class ImageNet64TrainSplitTests
{
    private const int Row = 3 * 8 * 8; // 8x8 batches: the reader takes every side of the downsampled family
    private TempFolder _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempFolder();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private string Folder => Path.Combine(_dir.Path, "imagenet64");

    // Batch i holds counts[i - 1] images of the pattern seeded i, labelled i (1-based in the file).
    private List<string> WriteBatches(params int[] counts) => WriteBatchesOfRow(Row, counts);

    // The registered set checks its 64x64 shape; 12 KB rows are still small files.
    private List<string> WriteBatches64(params int[] counts) => WriteBatchesOfRow(ImageNet64BatchFiles.Row, counts);

    private List<string> WriteBatchesOfRow(int row, int[] counts)
    {
        Directory.CreateDirectory(Folder);
        var paths = new List<string>();
        for (int i = 1; i <= counts.Length; i++)
        {
            var path = Path.Combine(Folder, $"train_data_batch_{i}");
            File.WriteAllBytes(path, ImageNet64BatchFiles.Pickle(ImageNet64BatchFiles.Pixels(counts[i - 1], row, seed: i), Enumerable.Repeat(i, counts[i - 1]).ToArray(), row: row));
            paths.Add(path);
        }
        return paths;
    }

    private static byte[] Concatenated(params int[] counts) =>
        counts.SelectMany((n, i) => ImageNet64BatchFiles.Pixels(n, Row, seed: i + 1)).ToArray();

    private static int[] LabelsOf(params int[] counts) => counts.SelectMany((n, i) => Enumerable.Repeat(i, n)).ToArray();

    [Test]
    public void SeveralBatchesLoadIntoOneSetOverSeveralChunks()
    {
        int[] counts = [3, 2, 4];
        var paths = WriteBatches(counts);

        var set = DownsampledImageNetReader.Read("in64", paths, null, new DataOptions(), chunkBytes: 2 * Row);

        Assert.That(set.PixelChunks.Select(c => c.Length / Row), Is.EqualTo(new[] { 2, 2, 2, 2, 1 }));
        Assert.That(set.CopyPixels(), Is.EqualTo(Concatenated(counts)));
        Assert.That(set.Labels, Is.EqualTo(LabelsOf(counts)));
        Assert.That(set.Image(3).ToArray(), Is.EqualTo(ImageNet64BatchFiles.Pixels(1, Row, seed: 2)), "batch 2's first image, across a chunk boundary");
        Assert.That(DownsampledImageNetReader.Read("in64", paths).CopyPixels(), Is.EqualTo(set.CopyPixels()), "default chunks: the same bytes");
    }

    [Test]
    public void TheRegisteredTrainSplitReadsAllTenFilesInOrder()
    {
        int[] counts = [1, 2, 1, 3, 1, 1, 2, 1, 1, 2];
        WriteBatches64(counts);
        var set = DatasetLoader.LoadFromFolder(Registered, Folder, DatasetSplit.Train, new DataOptions { Offline = true });
        Assert.That((set.Count, set.Name), Is.EqualTo((15, "imagenet64/train")));
        Assert.That(set.Labels, Is.EqualTo(LabelsOf(counts)));
        Assert.That(set.CopyPixels(), Is.EqualTo(counts.SelectMany((n, i) => ImageNet64BatchFiles.Pixels(n, seed: i + 1)).ToArray()));
    }

    [Test]
    public void AMissingFileInTheMiddleIsNamed()
    {
        WriteBatches(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        File.Delete(Path.Combine(Folder, "train_data_batch_5"));
        var e = Assert.Throws<DataException>(() => DatasetLoader.LoadFromFolder(Registered, Folder, DatasetSplit.Train, new DataOptions { Offline = true }))!;
        Assert.That(e.Message, Does.Contain(Path.Combine(Folder, "train_data_batch_5")).And.Contain("missing"));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void ASetLargerThanTheMemoryIsRefusedBeforeReadingWithTheSizeAndTheFixes()
    {
        var paths = WriteBatches(3, 3);
        long fileBytes = paths.Sum(p => new FileInfo(p).Length);
        var tight = new DataOptions { AvailableMemoryBytes = fileBytes };

        var e = Assert.Throws<DataException>(() => DownsampledImageNetReader.Read("imagenet64/train", paths, null, tight))!;

        Assert.That(e.Message, Does.Contain($"{fileBytes} bytes of images").And.Contain("is available")
            .And.Contain("--train-limit N").And.Contain($"--dataset imagenet64={paths[0]}"));
        Assert.That(e.Message, Does.Not.Contain("\n"));
        // The set plus the one batch being copied fits: it loads.
        long largest = paths.Max(p => new FileInfo(p).Length);
        Assert.That(DownsampledImageNetReader.Read("x", paths, null, new DataOptions { AvailableMemoryBytes = fileBytes + largest }).Count, Is.EqualTo(6));
        // One batch is the set itself (no copy), so it needs only its own size.
        Assert.That(DownsampledImageNetReader.Read("x", [paths[0]], null, new DataOptions { AvailableMemoryBytes = largest }).Count, Is.EqualTo(3));
    }

    [Test]
    public void TheMemoryCheckCountsOnlyTheImagesALimitKeeps()
    {
        // 64x64 rows: before any file is opened, a limit of N bounds the set at N rows of the largest side.
        var paths = WriteBatches64(3, 3);
        long largest = paths.Max(p => new FileInfo(p).Length);
        var options = new DataOptions { AvailableMemoryBytes = largest + 2 * ImageNet64BatchFiles.Row, MaxImages = 2 };
        Assert.That(DownsampledImageNetReader.Read("x", paths, null, options).Count, Is.EqualTo(2));
        Assert.That(() => DownsampledImageNetReader.Read("x", paths, null, options with { MaxImages = 0 }),
            Throws.TypeOf<DataException>().With.Message.Contains("--train-limit"));
    }

    [Test]
    public void ALimitStopsReadingOnceItHasTheImages()
    {
        var paths = WriteBatches(3, 3, 3);
        File.WriteAllBytes(paths[2], [0x80, 0x03, 0xff]); // never read while the limit is met by batches 1 and 2
        var log = new List<string>();

        var set = DownsampledImageNetReader.Read("in64", paths, null, new DataOptions { MaxImages = 5, Log = log.Add }, chunkBytes: 2 * Row);

        Assert.That(set.Labels, Is.EqualTo(new[] { 0, 0, 0, 1, 1 }));
        Assert.That(set.CopyPixels(), Is.EqualTo(Concatenated(3, 2)));
        Assert.That(set.PixelChunks.Select(c => c.Length / Row), Is.EqualTo(new[] { 2, 2, 1 }));
        Assert.That(log, Has.One.Contains("first 2 of 3 batch files"));
        Assert.That(() => DownsampledImageNetReader.Read("in64", paths), Throws.TypeOf<DataException>().With.Message.Contains(paths[2]), "without the limit the third file is read");
    }

    [Test]
    public void ALimitInsideTheFirstBatchKeepsItsFirstImages()
    {
        var paths = WriteBatches(4, 4);
        var set = DownsampledImageNetReader.Read("in64", paths, null, new DataOptions { MaxImages = 3 });
        Assert.That(set.CopyPixels(), Is.EqualTo(ImageNet64BatchFiles.Pixels(3, Row, seed: 1)));
    }

    [Test]
    public void TheLoaderPassesTheLimitAndKeepsTheFirstImagesOfOtherFormatsToo()
    {
        WriteBatches64(2, 2, 2, 2, 2, 2, 2, 2, 2, 2);
        var options = new DataOptions { Offline = true, DataDir = _dir.Path, MaxImages = 3 };
        var train = DatasetLoader.Load("imagenet64", DatasetSplit.Train, options);
        Assert.That((train.Count, train.Labels), Is.EqualTo((3, new[] { 0, 0, 1 })));

        var cifar = Path.Combine(_dir.Path, "c", "data_batch_1.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(cifar)!);
        File.WriteAllBytes(cifar, Enumerable.Range(0, 5).SelectMany(i => new[] { (byte)i }.Concat(DataFiles.Pattern(3072, i))).ToArray());
        Assert.That(DatasetLoader.Load(cifar, DatasetSplit.Train, options).Count, Is.EqualTo(3));
    }

    private static DatasetInfo Registered => DatasetRegistry.Get("imagenet64");
}

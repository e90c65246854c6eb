using Flows.Core.Data;

namespace Flows.Tests.Data;

public class IdxReaderTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void ReadsImagesAndLabels(bool gzip)
    {
        using var dir = new TempFolder();
        var pixels = DataFiles.Pattern(5 * 4 * 3);
        byte[] labels = [3, 1, 4, 1, 5];
        var images = DataFiles.IdxImages(5, 4, 3, pixels);
        var labelFile = DataFiles.IdxLabels(labels);
        File.WriteAllBytes(dir.File("img"), gzip ? DataFiles.Gzip(images) : images);
        File.WriteAllBytes(dir.File("lbl"), gzip ? DataFiles.Gzip(labelFile) : labelFile);

        var set = IdxReader.Read("tiny", dir.File("img"), dir.File("lbl"));

        Assert.That(set.Count, Is.EqualTo(5));
        Assert.That((set.Channels, set.Height, set.Width), Is.EqualTo((1, 4, 3)));
        Assert.That(set.CopyPixels(), Is.EqualTo(pixels));
        Assert.That(set.Labels, Is.EqualTo(new[] { 3, 1, 4, 1, 5 }));
        Assert.That(set.Image(2).ToArray(), Is.EqualTo(pixels.AsSpan(24, 12).ToArray()));
    }

    [Test]
    public void LoaderFindsTheSplitAndTheLabelTwinInAFolder()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte.gz"), DataFiles.Gzip(DataFiles.IdxImages(2, 2, 2, [1, 2, 3, 4, 5, 6, 7, 8])));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte.gz"), DataFiles.Gzip(DataFiles.IdxLabels([7, 9])));
        File.WriteAllBytes(dir.File("train-images-idx3-ubyte"), DataFiles.IdxImages(3, 2, 2, new byte[12]));
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), DataFiles.IdxLabels([0, 1, 2]));

        var test = DatasetLoader.Load("mine=" + dir.Path, DatasetSplit.Test, new DataOptions());
        var train = DatasetLoader.Load(dir.Path, DatasetSplit.Train, new DataOptions());

        Assert.That(test.Name, Is.EqualTo("mine/test"));
        Assert.That(test.Labels, Is.EqualTo(new[] { 7, 9 }));
        Assert.That(test.Image(1).ToArray(), Is.EqualTo(new byte[] { 5, 6, 7, 8 }));
        Assert.That(train.Count, Is.EqualTo(3));
        Assert.That(train.Labels, Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public void AnImagesFileWithoutLabelsLoadsUnlabelledAndSaysSo()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("foo-images-idx3-ubyte"), DataFiles.IdxImages(2, 1, 1, [10, 20]));
        var log = new List<string>();

        var set = DatasetLoader.Load(dir.File("foo-images-idx3-ubyte"), DatasetSplit.Test, new DataOptions { Log = log.Add });

        Assert.That(set.Labels, Is.EqualTo(new[] { -1, -1 }));
        Assert.That(set.HasLabels, Is.False);
        Assert.That(log, Has.Some.Contains("unlabelled"));
    }

    [Test]
    public void GzipIsDetectedByMagicNotByName()
    {
        using var dir = new TempFolder();
        var path = dir.File("train-images-idx3-ubyte");
        File.WriteAllBytes(path, DataFiles.Gzip(DataFiles.IdxImages(1, 2, 2, [1, 2, 3, 4])));

        var (pixels, count, _, _) = IdxReader.ReadImages(path);

        Assert.That(count, Is.EqualTo(1));
        Assert.That(pixels, Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void SubsetAndTakeCopyTheRightImages()
    {
        var set = new ImageDataset("s", [1, 1, 2, 2, 3, 3, 4, 4], [0, 1, 2, 3], 1, 1, 2);

        var middle = set.Take(1, 2);
        var first = set.Subset(3);

        Assert.That(middle.CopyPixels(), Is.EqualTo(new byte[] { 2, 2, 3, 3 }));
        Assert.That(middle.Labels, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(first.Count, Is.EqualTo(3));
        Assert.That(set.Subset(10).Count, Is.EqualTo(4));
        Assert.That(() => set.Take(3, 2), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}

using Flows.Core.Data;

namespace Flows.Tests.Data;

public class CifarReaderTests
{
    [Test]
    public void Cifar10BatchesAreReadInOrderAsChw()
    {
        using var dir = new TempFolder();
        var pixels = DataFiles.Pattern(5 * 3072);
        File.WriteAllBytes(dir.File("a.bin"), DataFiles.Cifar([[6], [9], [0]], pixels[..(3 * 3072)]));
        File.WriteAllBytes(dir.File("b.bin"), DataFiles.Cifar([[1], [8]], pixels[(3 * 3072)..]));

        var set = CifarReader.Read("c10", [dir.File("a.bin"), dir.File("b.bin")], CifarVariant.Cifar10);

        Assert.That(set.Count, Is.EqualTo(5));
        Assert.That((set.Channels, set.Height, set.Width), Is.EqualTo((3, 32, 32)));
        Assert.That(set.Labels, Is.EqualTo(new[] { 6, 9, 0, 1, 8 }));
        Assert.That(set.CopyPixels(), Is.EqualTo(pixels));
    }

    [Test]
    public void Cifar100UsesTheFineLabel()
    {
        using var dir = new TempFolder();
        var pixels = DataFiles.Pattern(2 * 3072, seed: 3);
        File.WriteAllBytes(dir.File("test.bin"), DataFiles.Cifar([[19, 99], [4, 30]], pixels));

        var set = CifarReader.Read("c100", [dir.File("test.bin")], CifarVariant.Cifar100);

        Assert.That(set.Labels, Is.EqualTo(new[] { 99, 30 }));
        Assert.That(set.Image(1).ToArray(), Is.EqualTo(pixels[3072..]));
    }

    [Test]
    public void ThePathLoaderTellsCifar10FromCifar100BySize()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("x.bin"), DataFiles.Cifar([[1, 2], [3, 4], [5, 6]], new byte[3 * 3072]));
        File.WriteAllBytes(dir.File("y.bin"), DataFiles.Cifar([[7], [8], [9]], new byte[3 * 3072]));

        var hundred = DatasetLoader.Load(dir.File("x.bin"), DatasetSplit.Test, new DataOptions());
        var ten = DatasetLoader.Load(dir.File("y.bin"), DatasetSplit.Test, new DataOptions());

        Assert.That(hundred.Labels, Is.EqualTo(new[] { 2, 4, 6 }));
        Assert.That(ten.Labels, Is.EqualTo(new[] { 7, 8, 9 }));
    }

    [Test]
    public void AFolderWithOnlyTheFirst1000StandInIsLoadedAndLogged()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("test_batch.first1000.bin"), DataFiles.Cifar([[2], [3]], DataFiles.Pattern(2 * 3072)));
        var log = new List<string>();

        var set = DatasetLoader.Load("cifar10=" + dir.Path, DatasetSplit.Test, new DataOptions { Log = log.Add });

        Assert.That(set.Labels, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(log, Has.One.Contains("test_batch.first1000.bin").And.Contains("test_batch.bin is absent"));
    }
}

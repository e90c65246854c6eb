using Flows.Core.Data;

namespace Flows.Tests.Data;

public class DatasetRegistryTests
{
    [TestCase("fashion-mnist", "fashionmnist")]
    [TestCase("FashionMNIST", "fashionmnist")]
    [TestCase("fmnist", "fashionmnist")]
    [TestCase("Fashion_MNIST", "fashionmnist")]
    [TestCase("MNIST", "mnist")]
    [TestCase("CIFAR-10", "cifar10")]
    [TestCase("cifar-100", "cifar100")]
    [TestCase("notMNIST", "notmnist")]
    [TestCase("SVHN", "svhn")]
    [TestCase("KMNIST", "kmnist")]
    [TestCase("CelebA", "celeba")]
    public void NamesAreFoundWhateverTheirSpelling(string spelling, string name) =>
        Assert.That(DatasetRegistry.Find(spelling)?.Name, Is.EqualTo(name));

    [Test]
    public void AnUnknownNameListsTheKnownOnes() =>
        Assert.That(() => DatasetRegistry.Get("imagenet"),
            Throws.TypeOf<DataException>().With.Message.Contains("unknown data set 'imagenet'").And.Message.Contains("fashionmnist"));

    [Test]
    public void FoldersMatchTheSharedDataLayout()
    {
        Assert.That(DatasetRegistry.Get("fashionmnist").Folder, Is.EqualTo("fashion-mnist"));
        Assert.That(DatasetRegistry.Get("mnist").Folder, Is.EqualTo("mnist"));
        Assert.That(DatasetRegistry.Get("notmnist").Folder, Is.EqualTo("notmnist"));
        Assert.That(DatasetRegistry.Get("cifar10").Folder, Is.EqualTo("cifar10"));
        Assert.That(DatasetRegistry.Get("cifar10").FilesFor(DatasetSplit.Train).Select(f => f.Name),
            Is.EqualTo(new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin" }));
    }

    [Test]
    public void EveryFileHasASourceAndWellFormedChecksums()
    {
        foreach (var info in DatasetRegistry.All)
        {
            Assert.That(info.Files, Is.Not.Empty, info.Name);
            foreach (var file in info.Files)
            {
                bool sourced = file.Url is not null || info.Archive is not null || info.ManualDownload is not null;
                Assert.That(sourced, Is.True, $"{info.Name}/{file.Name} has no source");
                Assert.That(file.Md5 ?? new string('0', 32), Does.Match("^[0-9a-f]{32}$"), $"{info.Name}/{file.Name}");
                Assert.That(file.Sha256 ?? new string('0', 64), Does.Match("^[0-9a-f]{64}$"), $"{info.Name}/{file.Name}");
            }
            Assert.That(info.ClassNames.Count, Is.EqualTo(info.Name == "cifar100" ? 100 : info.Name is "celeba" or "imagenet64" ? 0 : info.Kind == DatasetKind.Vector ? 2 : 10), info.Name);
            Assert.That(info.ClassNames.Distinct().Count(), Is.EqualTo(info.ClassNames.Count), info.Name);
        }
    }

    [Test]
    public void ThePaperSplitSizesAreRecorded()
    {
        Assert.That((DatasetRegistry.Get("svhn").TrainCount, DatasetRegistry.Get("svhn").TestCount), Is.EqualTo(((int?)73257, (int?)26032)));
        Assert.That((DatasetRegistry.Get("celeba").TrainCount, DatasetRegistry.Get("celeba").TestCount), Is.EqualTo(((int?)162770, (int?)19962)));
        Assert.That(DatasetRegistry.Get("notmnist").HasSplit(DatasetSplit.Train), Is.False);
    }

    [Test]
    public void AskingForASplitASetLacksIsAClearError() =>
        Assert.That(() => DatasetLoader.Load("notmnist", DatasetSplit.Train, new DataOptions { Offline = true, DataDir = Path.GetTempPath() }),
            Throws.TypeOf<DataException>().With.Message.Contains("no train split"));

    [Test]
    public void BadSpecsAreClearErrors()
    {
        Assert.That(() => DatasetLoader.Load("=x", DatasetSplit.Test, new DataOptions()),
            Throws.TypeOf<DataException>().With.Message.Contains("NAME=PATH"));
        Assert.That(() => DatasetLoader.Load("nosuchset", DatasetSplit.Test, new DataOptions()),
            Throws.TypeOf<DataException>().With.Message.Contains("unknown data set 'nosuchset'"));
    }
}

using Flows.Core.Data;
using Flows.Core.Data.Uci;

namespace Flows.Tests.Data.Uci;

public class UciTaskTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    [Test]
    public void TaskNamesParseInOnePlace()
    {
        Assert.That(UciTask.Names.Select(n => UciTask.Parse(n)), Is.EqualTo(new[]
        {
            new UciTask(UciDataset.MiniBooNE, 0), new UciTask(UciDataset.MiniBooNE, 1), new UciTask(UciDataset.Hepmass, 0), new UciTask(UciDataset.Hepmass, 1),
        }));
        Assert.That(UciTask.Parse(" HEPMASS1 ").Name, Is.EqualTo("hepmass1"));
        Assert.That(UciTask.TryParse("miniboone2"), Is.Null);
        Assert.That(() => UciTask.Parse("gas0"), Throws.TypeOf<DataException>().With.Message.EqualTo("unknown UCI task 'gas0'; known: miniboone0, miniboone1, hepmass0, hepmass1"));
    }

    [Test]
    public void TheSplitHasSklearnsSizesAndIsADeterministicPermutation()
    {
        Assert.That((UciSplit.TestCount(36499), UciSplit.TestCount(10), UciSplit.TestCount(11), UciSplit.TestCount(0)), Is.EqualTo((3650, 1, 2, 0)));
        var (train, test) = UciSplit.TrainTest(1001, seed: 0);
        Assert.That((train.Length, test.Length), Is.EqualTo((900, 101)));
        Assert.That(train.Concat(test).Order(), Is.EqualTo(Enumerable.Range(0, 1001)), "every row lands in exactly one part");
        Assert.That(UciSplit.TrainTest(1001, 0).Test, Is.EqualTo(test), "same seed, same split");
        Assert.That(UciSplit.TrainTest(1001, 1).Test, Is.Not.EqualTo(test), "another seed, another split");
        Assert.That(test.Take(5), Is.Not.EqualTo(new[] { 0, 1, 2, 3, 4 }), "the rows are shuffled");
    }

    [Test]
    public void ThePermutationIsTheDocumentedRuleAndFixedAcrossProcesses()
    {
        // Pinned values, computed by an independent (Python) implementation of the rule in UciSplit's summary:
        // any change to the split, or process-dependent state creeping in, fails here.
        Assert.That(UciSplit.Permutation(8, 0), Is.EqualTo(new[] { 3, 6, 4, 2, 7, 1, 0, 5 }));
        Assert.That(UciSplit.Permutation(8, 1), Is.EqualTo(new[] { 0, 5, 6, 3, 1, 4, 2, 7 }));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void MiniBooNEIsSplitPerClassAndStandardisedWithClassKTrainStatistics(int k)
    {
        UciFiles.WriteMiniBooNE(_dir.File(MiniBooNEReader.FileName), nsignal: 60, nbackground: 45); // m = 45 per class
        var task = new UciTask(UciDataset.MiniBooNE, k);
        var splits = task.Load(_dir.Path);
        Assert.That((splits.Train.Count, splits.Test.Count, splits.Ood.Count, splits.Train.Dim), Is.EqualTo((40, 5, 5, 50)));
        Assert.That((splits.Train.Labels.Distinct().Single(), splits.Test.Labels.Distinct().Single(), splits.Ood.Labels.Distinct().Single()), Is.EqualTo((k, k, 1 - k)));
        for (int f = 0; f < 50; f += 7)
        {
            var column = Enumerable.Range(0, splits.Train.Count).Select(r => (double)splits.Train.Row(r)[f]).ToArray();
            double mean = column.Average();
            double std = Math.Sqrt(column.Select(v => (v - mean) * (v - mean)).Average());
            Assert.That(mean, Is.EqualTo(0).Within(1e-6), $"feature {f}");
            Assert.That(std, Is.EqualTo(1).Within(1e-5), $"feature {f}: population std (ddof = 0)");
        }
        // The OOD rows are the other class's raw rows standardised with class k's statistics, not their own.
        var raw = MiniBooNEReader.Read(_dir.File(MiniBooNEReader.FileName));
        var (_, oodRows) = UciSplit.TrainTest(45, UciTask.DefaultSeed);
        for (int f = 0; f < 50; f += 7)
        {
            double expected = (raw[1 - k].Row(oodRows[2])[f] - splits.Mean[f]) / splits.Std[f];
            Assert.That(splits.Ood.Row(2)[f], Is.EqualTo((float)expected), $"feature {f}");
        }
        var trainRows = UciSplit.TrainTest(45, UciTask.DefaultSeed).Train;
        var ownMean = Enumerable.Range(0, 50).Select(f => trainRows.Average(r => raw[k].Row(r)[f])).ToArray();
        Assert.That(splits.Mean, Is.EqualTo(ownMean).Within(1e-9), "the statistics are class k's train split's");
        Assert.That(task.Load(_dir.Path).Ood.Values, Is.EqualTo(splits.Ood.Values), "loading twice gives the same sets");
    }

    [Test]
    public void HepmassUsesTheFilesOwnSplitAndClassKStatistics()
    {
        // Kept: f0 and f1 (mass is constant, so dropped). Class 1 is the odd train rows; test rows 0, 1 are class 1.
        var header = "# label,f0,f1,mass";
        var train = Enumerable.Range(0, 20).Select(r => new double[] { r % 2, r, 10 * r + (r % 3), 7 });
        var test = Enumerable.Range(0, 6).Select(r => new double[] { r < 2 ? 1 : 0, 3 * r, 1 + r, 7 });
        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(header, train));
        File.WriteAllText(_dir.File(HepmassReader.TestFile), UciFiles.Csv(header, test));
        var splits = UciTask.Parse("hepmass1").Load(_dir.Path);
        Assert.That((splits.Train.Count, splits.Test.Count, splits.Ood.Count, splits.Train.Dim), Is.EqualTo((10, 2, 4, 2)));
        var odd = Enumerable.Range(0, 20).Where(r => r % 2 == 1).ToArray();
        double mean0 = odd.Average(r => (double)r), std0 = Math.Sqrt(odd.Average(r => (r - mean0) * (r - mean0)));
        Assert.That(splits.Mean[0], Is.EqualTo(mean0).Within(1e-12));
        Assert.That(splits.Std[0], Is.EqualTo(std0).Within(1e-12));
        Assert.That(splits.Ood.Row(1)[0], Is.EqualTo((float)((9 - mean0) / std0)), "ood row 1 is test row 3 (label 0), f0 = 9, scaled by class 1's statistics");
        Assert.That(splits.Test.Row(0)[0], Is.EqualTo((float)((0 - mean0) / std0)));
    }

    [Test]
    public void AConstantFeatureInTheTrainingClassIsAClearError()
    {
        var header = "# label,f0,f1,mass";
        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(header, Enumerable.Range(0, 8).Select(r => new double[] { r % 2, r % 2 == 0 ? 5 : r, r, 7 })));
        File.WriteAllText(_dir.File(HepmassReader.TestFile), UciFiles.Csv(header, Enumerable.Range(0, 4).Select(r => new double[] { r % 2, r, r, 7 })));
        Assert.That(() => UciTask.Parse("hepmass0").Load(_dir.Path), Throws.TypeOf<DataException>().With.Message.Contains("hepmass0/train: feature 0 is constant"));
    }

    [Test]
    public void TheRegistryKnowsTheTablesAndTheImageLoaderRefusesThem()
    {
        var miniboone = DatasetRegistry.Get("miniboone");
        Assert.That((miniboone.Kind, miniboone.ShapeText, miniboone.Files.Single().Url),
            Is.EqualTo((DatasetKind.Vector, "D=50", "https://archive.ics.uci.edu/ml/machine-learning-databases/00199/MiniBooNE_PID.txt")));
        Assert.That(DatasetRegistry.Get("hepmass").Files.Select(f => f.Url), Is.EqualTo(new[]
        {
            "https://archive.ics.uci.edu/ml/machine-learning-databases/00347/1000_train.csv.gz",
            "https://archive.ics.uci.edu/ml/machine-learning-databases/00347/1000_test.csv.gz",
        }));
        Assert.That(DatasetRegistry.Get("mnist").Kind, Is.EqualTo(DatasetKind.Image));
        Assert.That(() => DatasetLoader.Load("miniboone", DatasetSplit.Train, new DataOptions { Offline = true, DataDir = _dir.Path }),
            Throws.TypeOf<DataException>().With.Message.Contains("table of vectors, not images").And.Message.Contains("miniboone0, miniboone1"));
        Assert.That(() => DatasetLoader.Load($"hepmass={_dir.Path}", DatasetSplit.Train, new DataOptions { Offline = true }),
            Throws.TypeOf<DataException>().With.Message.Contains("hepmass0, hepmass1"));
    }

    [Test]
    public void LoadAsyncReadsPresentFilesAndOfflineSaysWhatIsMissing()
    {
        var options = new DataOptions { Offline = true, DataDir = _dir.Path };
        Assert.That(() => UciTask.Parse("miniboone0").LoadAsync(options).GetAwaiter().GetResult(),
            Throws.TypeOf<DataException>().With.Message.Contains("downloads are off").And.Message.Contains("MiniBooNE_PID.txt"));
        Directory.CreateDirectory(_dir.File("hepmass"));
        var header = "# label,f0,f1,mass";
        File.WriteAllText(_dir.File("hepmass/1000_train.csv"), UciFiles.Csv(header, Enumerable.Range(0, 8).Select(r => new double[] { r % 2, r, r * r, 7 })));
        UciFiles.WriteGzip(_dir.File("hepmass/1000_test.csv.gz"), UciFiles.Csv(header, Enumerable.Range(0, 4).Select(r => new double[] { r % 2, r, r, 7 })));
        var splits = UciTask.Parse("hepmass0").LoadAsync(options).GetAwaiter().GetResult();
        Assert.That((splits.Train.Count, splits.Test.Count, splits.Ood.Count), Is.EqualTo((4, 2, 2)), "a plain train .csv and a gzip test file, no download");
    }

    [Test]
    public void LoadingFromTheDataFolderUsesTheRegisteredSubFolder()
    {
        Directory.CreateDirectory(_dir.File("miniboone"));
        UciFiles.WriteMiniBooNE(_dir.File(Path.Combine("miniboone", MiniBooNEReader.FileName)), 12, 12);
        var splits = UciTask.Parse("miniboone1").LoadFromDataDirectory(_dir.Path);
        Assert.That((splits.Train.Count, splits.Test.Count, splits.Train.Name), Is.EqualTo((10, 2, "miniboone1/train")));
    }
}

using Flows.Core.Data;
using Flows.Core.Data.Uci;

namespace Flows.Tests.Data.Uci;

public class HepmassReaderTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    private const string Header = "# label,f0,f1,f2,f3,mass";

    /// <summary>
    /// Train rows: f0's minimum (-3) occurs 6 times (dropped), f1's minimum (-2) 5 times (kept), f2 is unique
    /// (kept), f3's minimum -0.0/0.0 occurs 6 times counted as one key as Python does (dropped), mass is constant (dropped).
    /// Row r has label r % 2 and f2 = 100 + r, which names it.
    /// </summary>
    private static IEnumerable<double[]> TrainRows(int count = 20) => Enumerable.Range(0, count).Select(r => new double[]
    {
        r % 2, r < 6 ? -3 : r, r < 5 ? -2 : r * 0.5, 100 + r, r < 3 ? -0.0 : r < 6 ? 0.0 : r, 1000,
    });

    /// <summary>Test rows have the same columns; the last (mass) is dropped as the official code does. f2 = 200 + r.</summary>
    private static IEnumerable<double[]> TestRows(int count = 9) => Enumerable.Range(0, count).Select(r => new double[]
    {
        r < 4 ? 1 : 0, -r, r, 200 + r, r, 1000,
    });

    private void Write(IEnumerable<double[]>? train = null, IEnumerable<double[]>? test = null, bool gzip = false)
    {
        var trainText = UciFiles.Csv(Header, train ?? TrainRows());
        var testText = UciFiles.Csv(Header, test ?? TestRows());
        if (gzip)
        {
            UciFiles.WriteGzip(_dir.File(HepmassReader.TrainFile + ".gz"), trainText);
            UciFiles.WriteGzip(_dir.File(HepmassReader.TestFile + ".gz"), testText);
        }
        else
        {
            File.WriteAllText(_dir.File(HepmassReader.TrainFile), trainText);
            File.WriteAllText(_dir.File(HepmassReader.TestFile), testText);
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void TheMinimumCountRuleDropsExactlyTheRepeatedMinimaAndClassesFollowTheLabels(bool gzip)
    {
        Write(gzip: gzip);
        var data = HepmassReader.Read(_dir.Path);
        Assert.That(data.KeptFeatures, Is.EqualTo(new[] { 1, 2 }), "f0 (6 minima) and f3 (6 signed zeros) and mass go; f1 (5 minima) and f2 stay");
        Assert.That((data.Train[0].Count, data.Train[1].Count, data.Train[0].Dim), Is.EqualTo((10, 10, 2)));
        Assert.That(Enumerable.Range(0, 10).Select(i => data.Train[1].Row(i)[1]), Is.EqualTo(Enumerable.Range(0, 10).Select(i => 101.0 + 2 * i)), "odd rows are label 1");
        Assert.That((data.Test[0].Count, data.Test[1].Count), Is.EqualTo((5, 4)));
        Assert.That(data.Test[1].Row(3).ToArray(), Is.EqualTo(new double[] { 3, 203 }), "test keeps its own f1, f2");
        Assert.That(data.Test[0].Row(0).ToArray(), Is.EqualTo(new double[] { 4, 204 }));
    }

    [Test]
    public void ValuesAreHeldAsFloat32AsTheOfficialCastDoes()
    {
        Write(train: TrainRows().Select((r, i) => i == 7 ? [r[0], r[1], 0.1, r[3], r[4], r[5]] : r));
        var data = HepmassReader.Read(_dir.Path);
        Assert.That(data.Train[1].Row(3)[0], Is.EqualTo((double)0.1f));
    }

    [Test]
    public void CorruptFilesAreClearErrorsWithFileAndLine()
    {
        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv("1,2,3,4,5,6", TrainRows()));
        File.WriteAllText(_dir.File(HepmassReader.TestFile), UciFiles.Csv(Header, TestRows()));
        Assert.That(() => HepmassReader.Read(_dir.Path),
            Throws.TypeOf<DataException>().With.Message.Contains("1000_train.csv, line 1: the header line is missing"));

        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(Header, TrainRows()) + "1,2,3\n");
        Assert.That(() => HepmassReader.Read(_dir.Path),
            Throws.TypeOf<DataException>().With.Message.Contains("1000_train.csv, line 22: 3 values where the header has 6 columns"));

        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(Header, TrainRows()).Replace("\n1,", "\n1,x", StringComparison.Ordinal));
        Assert.That(() => HepmassReader.Read(_dir.Path),
            Throws.TypeOf<DataException>().With.Message.Contains("line 3: field 2 'x").And.Message.Contains("is not a number"));

        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(Header, TrainRows()) + "2,1,1,1,1,1\n");
        Assert.That(() => HepmassReader.Read(_dir.Path),
            Throws.TypeOf<DataException>().With.Message.Contains("line 22: the label (column 0) is 2"));

        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(Header, TrainRows()) + "1,,1,1,1,1\n");
        Assert.That(() => HepmassReader.Read(_dir.Path), Throws.TypeOf<DataException>().With.Message.Contains("line 22: field 2 is empty"));

        File.Delete(_dir.File(HepmassReader.TestFile));
        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(Header, TrainRows()));
        Assert.That(() => HepmassReader.Read(_dir.Path), Throws.TypeOf<DataException>().With.Message.Contains("1000_test.csv(.gz) is missing"));

        File.WriteAllBytes(_dir.File(HepmassReader.TestFile + ".gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.That(() => HepmassReader.Read(_dir.Path), Throws.TypeOf<DataException>().With.Message.Contains("gzip stream is corrupt"));
    }

    [Test]
    public void TestColumnsThatDoNotMatchTheTrainFileAreRefused()
    {
        // A test file with only f0 and f1: after dropping its last column it keeps nothing, the train file [1, 2].
        File.WriteAllText(_dir.File(HepmassReader.TrainFile), UciFiles.Csv(Header, TrainRows()));
        File.WriteAllText(_dir.File(HepmassReader.TestFile), UciFiles.Csv("# label,f0,f1", TestRows().Select(r => r[..3])));
        Assert.That(() => HepmassReader.Read(_dir.Path), Throws.TypeOf<DataException>().With.Message.Contains("do not belong together"));
    }
}

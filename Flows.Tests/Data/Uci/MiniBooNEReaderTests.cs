using Flows.Core.Data;
using Flows.Core.Data.Uci;

namespace Flows.Tests.Data.Uci;

public class MiniBooNEReaderTests
{
    private TempFolder _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _dir.Dispose();

    [Test]
    public void SignalIsTheFirstMRowsAndBackgroundTheMRowsAfterNSignal()
    {
        using var dir = new TempFolder();
        var path = dir.File(MiniBooNEReader.FileName);
        UciFiles.WriteMiniBooNE(path, nsignal: 7, nbackground: 5); // m = 5
        var classes = MiniBooNEReader.Read(path);
        Assert.That((classes[0].Count, classes[1].Count, classes[0].Dim), Is.EqualTo((5, 5, 50)));
        // Feature 1 is row + 0.001: it names the data row each class row came from.
        Assert.That(Enumerable.Range(0, 5).Select(i => Math.Round(classes[1].Row(i)[1])), Is.EqualTo(new double[] { 0, 1, 2, 3, 4 }), "signal: rows 1..m");
        Assert.That(Enumerable.Range(0, 5).Select(i => Math.Round(classes[0].Row(i)[1])), Is.EqualTo(new double[] { 7, 8, 9, 10, 11 }), "background: rows nsignal+1..nsignal+m");
        Assert.That(classes[0].Row(2)[49], Is.EqualTo(double.Parse(UciFiles.MiniBooNEValue(9, 49).ToString("E6"), System.Globalization.CultureInfo.InvariantCulture)), "values are float64 as in the file");
    }

    [Test]
    public void WhenBackgroundIsSmallerSignalIsCutToItsSize()
    {
        using var dir = new TempFolder();
        var path = dir.File(MiniBooNEReader.FileName);
        UciFiles.WriteMiniBooNE(path, nsignal: 3, nbackground: 6); // m = 3: background rows 3, 4, 5
        var classes = MiniBooNEReader.Read(path);
        Assert.That(Enumerable.Range(0, 3).Select(i => Math.Round(classes[0].Row(i)[1])), Is.EqualTo(new double[] { 3, 4, 5 }));
    }

    private string Corrupt(string content)
    {
        var path = _dir.File($"{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, content);
        return path;
    }

    private static string Row(int n, string? replaceLast = null) =>
        string.Join(" ", Enumerable.Range(0, n).Select(i => i == n - 1 && replaceLast is not null ? replaceLast : "0.1E+01")) + "\n";

    [Test]
    public void CorruptFilesAreClearErrorsWithFileAndLine()
    {
        Assert.That(() => MiniBooNEReader.Read(Corrupt(Row(50) + Row(50))),
            Throws.TypeOf<DataException>().With.Message.Contains("line 1: the first line must be the header"));
        Assert.That(() => MiniBooNEReader.Read(Corrupt("1 1\n" + Row(50) + Row(49))),
            Throws.TypeOf<DataException>().With.Message.Contains("line 3: 49 values where every MiniBooNE event has 50"));
        Assert.That(() => MiniBooNEReader.Read(Corrupt("1 1\n" + Row(50, "abc") + Row(50))),
            Throws.TypeOf<DataException>().With.Message.Contains("line 2: field 50 'abc' is not a number"));
        Assert.That(() => MiniBooNEReader.Read(Corrupt("1 1\n" + Row(50, "nan") + Row(50))),
            Throws.TypeOf<DataException>().With.Message.Contains("line 2: field 50 is NaN"));
        Assert.That(() => MiniBooNEReader.Read(Corrupt("2 2\n" + Row(50) + Row(50) + Row(50))),
            Throws.TypeOf<DataException>().With.Message.Contains("announces 2 + 2 events but the file has 3"));
        Assert.That(() => MiniBooNEReader.Read(Corrupt("1 1\n" + Row(51) + Row(50))),
            Throws.TypeOf<DataException>().With.Message.Contains("line 2: more than the 50 fields"));
        Assert.That(() => MiniBooNEReader.Read(Corrupt("")), Throws.TypeOf<DataException>().With.Message.Contains("empty"));
        Assert.That(() => MiniBooNEReader.Read("/nonexistent/MiniBooNE_PID.txt"),
            Throws.TypeOf<DataException>().With.Message.Contains("data download miniboone"));
    }

    [Test]
    public void CrLfLineEndsAndBlankLinesAreAccepted()
    {
        var path = Corrupt("1 1\r\n\r\n" + Row(50).Replace("\n", "\r\n") + "   \n" + Row(50).TrimEnd('\n'));
        var classes = MiniBooNEReader.Read(path);
        Assert.That((classes[0].Count, classes[1].Count, classes[1].Row(0)[49]), Is.EqualTo((1, 1, 1.0)));
    }
}

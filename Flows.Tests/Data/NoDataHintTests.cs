using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>With no data on disk and no way to download it, the one line says how to point at data already here.</summary>
public class NoDataHintTests
{
    [TestCase(true)]
    [TestCase(false)]
    public void TheErrorMentionsFlowsDataAndDataDir(bool offline)
    {
        using var dir = new TempFolder();
        var options = new DataOptions
        {
            DataDir = dir.Path,
            Offline = offline,
            // Nothing listens on port 1 of the loopback: the connection is refused at once, as with no network.
            MirrorBaseAddress = new Uri("http://127.0.0.1:1/"),
            HttpTimeout = TimeSpan.FromSeconds(5),
        };
        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load("mnist", DatasetSplit.Test, options))!;
        Assert.That(ex.Message, Does.Contain("FLOWS_DATA").And.Contain("--data-dir"));
        Assert.That(ex.Message, Does.Contain(dir.Path));
        Assert.That(ex.Message, Does.Not.Contain("\n"));
    }
}

using Flows.Core.Data;

namespace Flows.Tests.Data;

public class DataDirectoryTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        key => values.FirstOrDefault(v => v.Key == key).Value;

    [Test]
    public void AnExplicitFolderWins() =>
        Assert.That(DataDirectory.Resolve("/tmp/x", Env(("FLOWS_DATA", "/data"))), Is.EqualTo(Path.GetFullPath("/tmp/x")));

    [Test]
    public void FlowsDataComesNext() =>
        Assert.That(DataDirectory.Resolve(null, Env(("FLOWS_DATA", "/data"), ("XDG_CACHE_HOME", "/xdg"))), Is.EqualTo(Path.GetFullPath("/data")));

    [Test]
    public void ARelativeFlowsDataIsMadeAbsolute() =>
        Assert.That(DataDirectory.Resolve(null, Env(("FLOWS_DATA", "../shared/data"))), Is.EqualTo(Path.GetFullPath("../shared/data")));

    [Test]
    public void ThenTheXdgCache() =>
        Assert.That(DataDirectory.Resolve(" ", Env(("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u"))), Is.EqualTo(Path.Combine("/xdg", "flowsfromscratch")));

    [Test]
    public void ThenTheHomeCache() =>
        Assert.That(DataDirectory.Resolve(null, Env(("HOME", "/home/u"))), Is.EqualTo(Path.Combine("/home/u", ".cache", "flowsfromscratch")));
}

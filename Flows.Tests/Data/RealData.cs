using Flows.Core.Data;

namespace Flows.Tests.Data;

/// <summary>
/// The folder of real data sets named by FLOWS_DATA (CI points it at ../shared/data). Without FLOWS_DATA the
/// calling test is ignored with the reason; a FLOWS_DATA that leads nowhere is a failure.
/// </summary>
public static class RealData
{
    public static string Folder()
    {
        var value = Environment.GetEnvironmentVariable(DataDirectory.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
            Assert.Ignore("FLOWS_DATA is not set; set it to the folder of real data sets (CI uses ../shared/data)");
        // A relative FLOWS_DATA is meant from the repository root; the test runner's working folder may be deeper.
        var candidates = new[] { Directory.GetCurrentDirectory(), TestContext.CurrentContext.TestDirectory }
            .SelectMany(Ancestors).Select(d => Path.GetFullPath(Path.Combine(d, value!)));
        return candidates.FirstOrDefault(d => Directory.Exists(Path.Combine(d, "mnist")))
            ?? throw new DirectoryNotFoundException($"FLOWS_DATA={value} does not lead to a folder with mnist/ from here or any parent");
    }

    private static IEnumerable<string> Ancestors(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            yield return d.FullName;
    }
}

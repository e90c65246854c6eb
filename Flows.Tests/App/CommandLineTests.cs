using Flows.Training;

namespace Flows.Tests.App;

/// <summary>The app's commands end in one clear line and the right exit code; describe prints the checksums.</summary>
[NonParallelizable]
public sealed class CommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => App.Run(args);

    [TestCase(new[] { "describe", "--model", "realnvp", "--image", "1x28x28" }, "parameters: 14707336")]
    [TestCase(new[] { "describe", "--model", "cyclemask", "--image", "1x28x28", "--blocks", "6" }, "parameters: 3809344")]
    [TestCase(new[] { "describe", "--model", "tabular", "--dim", "50", "--hidden", "256", "--layers", "1" }, "parameters: 837184")]
    public void DescribePrintsTheParameterCount(string[] args, string lastLine)
    {
        var (code, output, _) = Run(args);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output.TrimEnd().Split('\n')[^1].Trim(), Is.EqualTo(lastLine));
    }

    [TestCase(new[] { "train", "--bogus" }, 2, "unknown option --bogus")]
    [TestCase(new[] { "frobnicate" }, 2, "unknown command 'frobnicate'")]
    [TestCase(new[] { "train", "--batch", "many" }, 2, "--batch expects a whole number")]
    [TestCase(new[] { "describe", "--model", "glow", "--image", "1x30x30" }, 2, "odd")]
    [TestCase(new[] { "describe", "--model", "nosuchmodel", "--image", "1x28x28" }, 2, "unknown model")]
    [TestCase(new[] { "ood", "--checkpoint", "/nonexistent/checkpoint.safetensors" }, 4, "does not exist")]
    [TestCase(new[] { "train", "--device", "quantum" }, 2, "unknown device 'quantum'")]
    [TestCase(new[] { "report", "/nonexistent/report.json" }, 2, "cannot read report")]
    [TestCase(new[] { "experiments", "--feature-size", "33" }, 2, "--feature-size must be even and at least 32, got 33")]
    [TestCase(new[] { "experiments", "--feature-train", "-1" }, 2, "--feature-train must not be negative")]
    [TestCase(new[] { "experiments", "--models", "realnvp,features-nope" }, 2, "unknown experiment model 'features-nope'")]
    public void BadInputEndsInOneClearLineAndANonZeroCode(string[] args, int expectedCode, string fragment)
    {
        var (code, _, error) = Run(args);
        Assert.That(code, Is.EqualTo(expectedCode), error);
        var lines = error.Trim().Split('\n');
        Assert.That(lines[^1], Does.StartWith("error: ").And.Contain(fragment));
    }

    [Test]
    public void EveryCommandHasHelp()
    {
        foreach (var name in new[] { "run", "train", "ood", "sample", "describe", "data", "report", "devices" })
        {
            var (code, output, _) = Run(name, "--help");
            Assert.That(code, Is.EqualTo(0), name);
            Assert.That(output, Does.Contain($"flows {name}"), name);
        }
        Assert.That(Run("--help").Out, Does.Contain("train"));
    }
}

extern alias bench;
using System.Reflection;
using BenchProgram = bench::Flows.Bench.Program;

namespace Flows.Tests.App;

/// <summary>
/// Flows.Bench parses on the app's command-line layer: each subcommand declares its options, so a misspelt one is
/// refused in one line with exit code 2 before anything is timed (it used to run silently with the default), and
/// BenchmarkDotNet's own arguments are checked by BenchmarkDotNet's parser.
/// </summary>
[NonParallelizable]
public sealed class BenchCommandLineTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (BenchProgram.Main(args), stdout.ToString(), stderr.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private static string LastLine(string text) => text.Trim().Split('\n')[^1].Trim();

    [TestCase("step", "--stpes")] // the typo that used to run with the default number of steps
    [TestCase("conv", "--rep")]
    [TestCase("fma-peak", "--threads")]
    [TestCase("gpu-check", "--quik")]
    [TestCase("features", "--imges")]
    public void EverySubcommandRefusesAMisspeltOption(string command, string typo)
    {
        var (code, output, error) = Run(command, typo, "3");
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith($"error: unknown option {typo} for '{command}'").And.EndWith($"; see 'Flows.Bench {command} --help'"));
        Assert.That(output, Is.Empty, "nothing ran");
    }

    [TestCase("--filtr", "*Conv*")]
    [TestCase("benchmarks", "--filtr", "*Conv*")]
    public void BenchmarkDotNetRefusesAMisspeltOptionInOneLine(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith("error: benchmarks: Option 'filtr' is unknown"));
    }

    [Test]
    public void BenchmarkDotNetArgumentsPassThrough()
    {
        var (code, output, error) = Run("--list", "flat", "--filter", "*CpuConvBenchmarks*");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("Flows.Bench.Cpu.CpuConvBenchmarks.Forward"));
    }

    [Test]
    public void BenchmarksHelpIsBenchmarkDotNetsOwn()
    {
        var (code, output, _) = Run("benchmarks", "--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("--filter").And.Contain("--runtimes"));
    }

    [Test]
    public void AMisspeltSubcommandIsRefused()
    {
        var (code, _, error) = Run("stpe", "--model", "glow");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo("error: unknown command 'stpe' (did you mean step?); see 'Flows.Bench --help'"));
    }

    [Test]
    public void AValueGivenTwiceIsRefused()
    {
        var (code, _, error) = Run("step", "--steps", "3", "--steps", "4");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Does.StartWith("error: --steps is given 2 times"));
    }

    [Test]
    public void ABadValueIsOneLine()
    {
        var (code, _, error) = Run("gpu-check", "--device", "tpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim(), Is.EqualTo("error: --device must be cuda or ilgpu-cpu, got 'tpu'"));
        (code, _, error) = Run("step", "--batch", "many");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim(), Is.EqualTo("error: --batch expects a whole number, got 'many'"));
    }

    [Test]
    public void HelpListsTheSubcommandsAndEachOnesOptions()
    {
        var (code, output, _) = Run("--help");
        Assert.That(code, Is.EqualTo(0));
        foreach (var name in new[] { "gpu-check", "fma-peak", "step", "features", "conv", "benchmarks" })
            Assert.That(output, Does.Contain($"  {name} "), name);
        var step = Run("help", "step");
        Assert.That(step.Code, Is.EqualTo(0));
        Assert.That(step.Out, Does.Contain("Flows.Bench step [options]").And.Contain("--eval-batch <N>").And.Contain("--K <K>"));
    }

    [Test]
    public void VersionPrintsTheBenchsInformationalVersion()
    {
        string expected = typeof(BenchProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        var (code, output, _) = Run("--version");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output.Trim(), Is.EqualTo(expected));
    }
}

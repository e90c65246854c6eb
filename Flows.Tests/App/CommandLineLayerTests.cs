using System.Reflection;
using Flows.Training;
using Flows.Training.Commands;

namespace Flows.Tests.App;

/// <summary>
/// The command-line layer (Flows.Training/Cli/CommandLineApp.cs on System.CommandLine): every command refuses an
/// option it does not know, a value given twice or missing, and a missing required option, in one line with exit
/// code 2; `help COMMAND`, `--version` and the `[suggest]` completions answer.
/// </summary>
[NonParallelizable]
public sealed class CommandLineLayerTests
{
    private static string LastLine(string text) => text.Trim().Split('\n')[^1].Trim();

    private static IEnumerable<string> CommandNames() => CommandCatalog.All.Select(c => c.Name);

    [TestCaseSource(nameof(CommandNames))]
    public void EveryCommandRefusesAMisspeltOption(string command)
    {
        var (code, output, error) = App.Run(command, "--no-such-option", "1");
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith("error: unknown option --no-such-option").And.Contain($"'flows {command} --help'"));
        Assert.That(output, Is.Empty, "nothing ran");
    }

    [TestCase("train", "--bacth", " (did you mean --batch?)")]
    [TestCase("train", "--Stesp", " (did you mean --steps?)")]
    [TestCase("ood", "--scroes", " (did you mean --scores?)")]
    [TestCase("train", "--no-such-option", "")]
    public void AMisspeltOptionNamesTheNearestOneWhenThereIsOne(string command, string typo, string hint)
    {
        var (code, _, error) = App.Run(command, typo, "4");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo($"error: unknown option {typo} for '{command}'{hint}; see 'flows {command} --help'"));
    }

    [Test]
    public void AMisspeltCommandNamesTheNearestOne()
    {
        var (code, _, error) = App.Run("trian", "--steps", "3");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo("error: unknown command 'trian' (did you mean train?); see 'flows --help'"));
    }

    [Test]
    public void AMisspeltOptionBeforeAnyCommandIsRefusedForTheMainJob()
    {
        var (code, _, error) = App.Run("--stpes", "3");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Does.StartWith("error: unknown option --stpes for 'run'"));
    }

    [TestCase("--batch", "4", "8")]
    [TestCase("--out", "a", "b")]
    public void ASingleValueOptionGivenTwiceIsRefused(string option, string first, string second)
    {
        var (code, _, error) = App.Run("train", option, first, option, second, "--device", "cpu");
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.StartWith($"error: {option} is given 2 times; give it once"));
    }

    [Test]
    public void AFlagGivenTwiceIsRefused()
    {
        var (code, _, error) = App.Run("train", "--offline", "--offline");
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(LastLine(error), Does.Contain("--offline is given 2 times"));
    }

    [Test]
    public void AnOptionWithoutItsValueIsRefusedNamingIt()
    {
        var (code, _, error) = App.Run("train", "--batch");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo("error: --batch needs a value (N); see 'flows train --help'"));
        (code, _, error) = App.Run("train", "--out", "--batch", "4");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Does.StartWith("error: --out needs a value (DIR)"));
    }

    [TestCase("ood")]
    [TestCase("sample")]
    [TestCase("inspect")]
    [TestCase("attribute")]
    public void AMissingRequiredOptionIsRefusedAndMarkedInTheHelp(string command)
    {
        var (code, _, error) = App.Run(command, "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo($"error: '{command}' needs --checkpoint PATH; see 'flows {command} --help'"));
        var help = App.Run("help", command);
        Assert.That(help.Code, Is.EqualTo(0));
        Assert.That(help.Out, Does.Match(@"--checkpoint <PATH> \(REQUIRED\)"));
        Assert.That(help.Out, Does.Not.Match(@"--device <NAME> \(REQUIRED\)"), "only required options are marked");
    }

    [Test]
    public void HelpTrainShowsTrainsOptionsLikeTrainDashDashHelp()
    {
        var (code, output, _) = App.Run("help", "train");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("flows train [options]"));
        foreach (var option in TrainCommand.Spec.Options)
            Assert.That(output, Does.Contain($"--{option.Name}"), option.Name);
        Assert.That(output, Does.Contain("(default: cpu-small)"), "defaults are shown");
        Assert.That(output, Is.EqualTo(App.Run("train", "--help").Out));
    }

    [Test]
    public void TheAppHelpListsEveryCommandAndHowToGetTheirOptions()
    {
        var (code, output, _) = App.Run("--help");
        Assert.That(code, Is.EqualTo(0));
        foreach (var c in CommandCatalog.All)
            Assert.That(output, Does.Contain($"  {c.Name} "), c.Name);
        Assert.That(output, Does.Contain("flows help COMMAND"));
        Assert.That(output, Does.Contain("[suggest]"));
        Assert.That(App.Run("help").Out, Is.EqualTo(output));
    }

    [Test]
    public void HelpForAnUnknownCommandIsRefused()
    {
        var (code, _, error) = App.Run("help", "trian");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo("error: unknown command 'trian'; see 'flows --help'"));
    }

    [Test]
    public void VersionPrintsTheAppsInformationalVersion()
    {
        string expected = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        var (code, output, _) = App.Run("--version");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output.Trim(), Is.EqualTo(expected));
        Assert.That(expected, Does.StartWith("0.1.0"));
    }

    [Test]
    public void OptionNamesMatchInAnyCaseAndTakeEqualsValues()
    {
        var (code, output, error) = App.Run("describe", "--MODEL=tabular", "--dim", "50", "--hidden", "256", "--Layers", "1");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(LastLine(output), Is.EqualTo("parameters: 837184"));
    }

    [Test]
    public void TheSuggestDirectiveCompletesOptionNames()
    {
        var (code, output, _) = App.Run("[suggest:9]", "train --b");
        Assert.That(code, Is.EqualTo(0));
        var words = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.That(words, Does.Contain("--batch").And.Contain("--blocks").And.Not.Contain("--lr"));
    }

    [Test]
    public void AStrayArgumentIsRefused()
    {
        var (code, _, error) = App.Run("train", "extra");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(LastLine(error), Is.EqualTo("error: unexpected argument 'extra' for 'train'; see 'flows train --help'"));
    }
}

using System.Diagnostics;
using Flows.Tests.App;
using Flows.Tests.Data;

namespace Flows.Tests.Fuzz;

/// <summary>
/// The command line over seeded mutations of valid invocations (a token dropped, doubled or swapped, a value replaced
/// by a malformed number, an unknown or misspelt flag, a flag left without its value): every case ends in exit code
/// 0 to 7 with, on failure, exactly one "error: " line and no stack trace, within a time bound. Each invocation of
/// a command that reads data ends with `--offline --data-dir EMPTY`, outside the mutated part, so a case that happens
/// to be valid fails fast on missing data instead of downloading or training.
/// </summary>
[Category("Fuzz")]
[NonParallelizable]
public sealed class CommandLineFuzzTests
{
    private const int Cases = 240;
    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(5);

    private static readonly string[][] Seeds =
    [
        ["train", "--preset", "smoke", "--steps", "2", "--batch", "8", "--lr", "0.001", "--seed", "3"],
        ["train", "--model", "realnvp", "--mid", "8", "--blocks", "1", "--epochs", "1", "--samples", "4"],
        ["train", "--dataset", "vectors=missing_{split}.npz", "--hidden", "8", "--layers", "1", "--couplings", "2"],
        ["ood", "--checkpoint", "missing.safetensors", "--ood", "mnist,notmnist", "--scores", "ll,typicality", "--val", "100"],
        ["sample", "--checkpoint", "missing.safetensors", "--count", "4", "--seed", "1"],
        ["inspect", "--checkpoint", "missing.safetensors", "--image", "fashionmnist:4", "--draws", "2"],
        ["attribute", "--checkpoint", "missing.safetensors", "--limit", "10"],
        ["features", "--data", "fashionmnist", "--size", "32", "--batch", "16"],
        ["describe", "--model", "glow", "--image", "1x8x8", "--K", "1", "--mid", "4", "--layers", "1"],
        ["describe", "--model", "tabular", "--dim", "6", "--hidden", "4", "--layers", "1", "--couplings", "2"],
        ["data", "verify", "mnist"],
        ["report", "missing-run/report.json"],
        ["run", "--steps", "2", "--limit", "100", "--val", "10", "--feature-train", "50", "--no-features"],
    ];

    private static readonly string[] OddValues =
        ["-1", "0", "1e8", "NaN", "-0", "99999999999", "2147483648", "1.5", "", " ", "abc", "0x10", "١٢", "--", "-", "∞", "1,2", "=3"];

    private static readonly string[] OddFlags = ["--frobnicate", "--MID", "--mid=", "-x", "--", "---batch", "--lr", "--help-me", "--seed"];

    private TempFolder _dir = null!;

    [OneTimeSetUp]
    public void SetUp() => _dir = new TempFolder();

    [OneTimeTearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void EveryMutatedCommandLineEndsInOneErrorLineOrSuccess()
    {
        string emptyData = _dir.File("no-data");
        Directory.CreateDirectory(emptyData);
        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(_dir.Path);   // relative outputs (runs/, samples.png) land in the temp folder
        var failures = new List<string>();
        int succeeded = 0, refused = 0;
        try
        {
            foreach (var seed in Seeds)
            {
                // A seed must get past option parsing (it fails on the missing data or checkpoint, or succeeds), or its
                // mutations would only ever exercise the parser's first refusal.
                var (code, _, err) = global::Flows.Tests.App.App.Run(UsesData(seed[0]) ? [.. seed, "--offline", "--data-dir", emptyData] : seed);
                Assert.That(err, Does.Not.Contain("unknown option").And.Not.Contain("needs a value").And.Not.Contain("expected"),
                            $"seed `{string.Join(' ', seed)}` (exit {code}) is itself malformed: {err}");
                Check(seed, "seed", emptyData, failures, ref succeeded, ref refused);
            }
            for (int i = 0; i < Cases; i++)
            {
                var random = new Random(FuzzHarness.BaseSeed * 104729 + i);
                var (args, what) = Mutate(Seeds[i % Seeds.Length], random);
                Check(args, $"case {i} ({what})", emptyData, failures, ref succeeded, ref refused);
            }
        }
        finally { Directory.SetCurrentDirectory(previous); }
        TestContext.Out.WriteLine($"command lines (seed {FuzzHarness.BaseSeed}): {Cases + Seeds.Length} cases, {succeeded} exit 0, {refused} refused, {failures.Count} failures");
        Assert.That(failures, Is.Empty, $"{failures.Count} command lines failed:\n" + string.Join("\n", failures.Take(8)));
        Assert.That(refused, Is.GreaterThan(Cases / 2), "most mutations must be refused, or the mutator is not mutating");
    }

    private static void Check(string[] args, string what, string emptyData, List<string> failures, ref int succeeded, ref int refused)
    {
        string[] full = UsesData(args[0]) ? [.. args, "--offline", "--data-dir", emptyData] : args;
        string shown = string.Join(' ', full.Select(a => a.Length == 0 || a.Contains(' ') ? $"'{a}'" : a));
        var clock = Stopwatch.StartNew();
        (int Code, string Out, string Err) result;
        try { result = global::Flows.Tests.App.App.Run(full); }
        catch (Exception e)
        {
            failures.Add($"{what}: `{shown}` threw {e.GetType().Name}: {e.Message}");
            return;
        }
        clock.Stop();
        if (clock.Elapsed > TimeBound) failures.Add($"{what}: `{shown}` took {clock.Elapsed.TotalSeconds:F1} s");
        if (result.Err.Contains("   at ", StringComparison.Ordinal)) failures.Add($"{what}: `{shown}` printed a stack trace");
        if (result.Code is < 0 or > 7) failures.Add($"{what}: `{shown}` exit code {result.Code}");
        if (result.Code == 0) { succeeded++; return; }
        refused++;
        var errors = result.Err.Split('\n').Count(l => l.StartsWith("error: ", StringComparison.Ordinal));
        if (errors != 1) failures.Add($"{what}: `{shown}` exit {result.Code} with {errors} error lines: {result.Err.Trim()}");
    }

    /// <summary>Commands that read data sets take the fixed data tail; the others (describe, sample, report) never download.</summary>
    private static bool UsesData(string command) => command is not ("describe" or "sample" or "report");

    private static (string[] Args, string What) Mutate(string[] seed, Random random)
    {
        var args = seed.ToList();
        // The command word (and data's sub-command) stays, so each case exercises that command's options.
        int fixedPrefix = args[0] == "data" ? 2 : 1;
        int Pick() => random.Next(fixedPrefix, Math.Max(fixedPrefix + 1, args.Count));
        int mutations = 1 + random.Next(2);
        var what = new List<string>();
        for (int m = 0; m < mutations && args.Count > fixedPrefix; m++)
        {
            int i = Pick();
            switch (random.Next(7))
            {
                case 0: what.Add($"drop {args[i]}"); args.RemoveAt(i); break;
                case 1: what.Add($"double {args[i]}"); args.Insert(i, args[i]); break;
                case 2:
                    int j = Pick();
                    what.Add($"swap {args[i]} {args[j]}");
                    (args[i], args[j]) = (args[j], args[i]);
                    break;
                case 3:
                    string value = OddValues[random.Next(OddValues.Length)];
                    what.Add($"value {args[i]}→'{value}'");
                    args[i] = value;
                    break;
                case 4:
                    string flag = OddFlags[random.Next(OddFlags.Length)];
                    what.Add($"insert {flag}");
                    args.Insert(i, flag);
                    break;
                case 5:
                    what.Add("value dropped at the end");
                    if (args.Count > fixedPrefix + 1 && !args[^1].StartsWith("--", StringComparison.Ordinal)) args.RemoveAt(args.Count - 1);
                    break;
                default:
                    what.Add($"typo {args[i]}");
                    if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 3)
                        args[i] = args[i][..^1] + (char)('a' + random.Next(26));
                    else args[i] += "x";
                    break;
            }
        }
        return (args.ToArray(), string.Join(", ", what));
    }
}

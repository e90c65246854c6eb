using BenchmarkDotNet.ConsoleArguments;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using Flows.Training.Cli;

namespace Flows.Bench;

/// <summary>
/// `Flows.Bench benchmarks ARGS` (also what runs with no command, or when the first word is an option, e.g.
/// `Flows.Bench --filter '*Conv*'`): the BenchmarkDotNet classes of this assembly. The arguments are
/// BenchmarkDotNet's own; its parser checks them first, so a misspelt option ends in one line and exit code 2
/// instead of its whole help text and a run of nothing.
/// </summary>
public static class MicroBenchmarks
{
    public static CommandSpec Spec { get; } = new("benchmarks",
        "BenchmarkDotNet microbenchmarks (e.g. --filter '*Conv*', --list flat); 'benchmarks --help' lists BenchmarkDotNet's options.",
        [], Run, usageTail: "BENCHMARKDOTNET-ARGS")
    { PassThrough = true };

    public static int Run(ParsedArgs args)
    {
        var words = args.Positional.ToArray();
        var log = new AccumulationLogger();
        var (valid, _, _) = ConfigParser.Parse(words, log, null);
        if (!valid)
        {
            var lines = log.GetLog().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            int errors = Array.IndexOf(lines, "ERROR(S):");
            // --help and --version also "fail" to parse: BenchmarkDotNet then printed what was asked for.
            if (errors < 0 || errors + 1 >= lines.Length)
            {
                Console.Write(log.GetLog());
                return 0;
            }
            throw new UsageException($"benchmarks: {lines[errors + 1].TrimEnd('.')}; see 'Flows.Bench benchmarks --help'");
        }
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(words);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}

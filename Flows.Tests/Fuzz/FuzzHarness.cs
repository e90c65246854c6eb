using System.Diagnostics;

namespace Flows.Tests.Fuzz;

/// <summary>
/// Runs a parser over mutated copies of valid seeds: each case must parse or end in the format's typed exception,
/// allocate at most 64 MB plus a few times the input on this thread, and take at most a time bound. All failing
/// cases are gathered, each with its number and mutation, so one run shows them all.
/// </summary>
internal static class FuzzHarness
{
    public const long AllocationBound = 64L << 20;
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(2);

    /// <summary>FLOWS_FUZZ_SEED picks another fixed set of cases, to explore beyond the committed one.</summary>
    public static int BaseSeed => int.TryParse(Environment.GetEnvironmentVariable("FLOWS_FUZZ_SEED"), out int s) ? s : 20201;

    public static void Run(string format, IReadOnlyList<byte[]> seeds, int cases, Type expected, Action<byte[]> parse)
    {
        int baseSeed = BaseSeed;
        // The seeds themselves must parse: otherwise every case would "pass" by failing early.
        foreach (var seed in seeds)
            parse(seed);
        var failures = new List<string>();
        int parsed = 0, refused = 0;
        for (int i = 0; i < cases; i++)
        {
            var random = new Random(baseSeed * 7919 + i);
            var (bytes, what) = Mutator.Mutate(seeds[i % seeds.Count], random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                parse(bytes);
                parsed++;
            }
            catch (Exception e) when (expected.IsInstanceOfType(e))
            {
                refused++;
                if (e.Message.Contains('\n'))
                    failures.Add($"case {i} ({what}): the {expected.Name} message has more than one line: {e.Message}");
            }
            catch (Exception e)
            {
                failures.Add($"case {i} ({what}): {e.GetType().Name} instead of {expected.Name}: {e.Message}\n{e.StackTrace}");
            }
            clock.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long bound = AllocationBound + 4L * bytes.Length;
            if (allocated > bound)
                failures.Add($"case {i} ({what}): allocated {allocated} bytes for a {bytes.Length}-byte input (bound {bound})");
            if (clock.Elapsed > TimeBound)
                failures.Add($"case {i} ({what}): took {clock.Elapsed.TotalMilliseconds:F0} ms (bound {TimeBound.TotalMilliseconds} ms)");
        }
        TestContext.Out.WriteLine($"{format} (seed {baseSeed}): {cases} cases, {parsed} parsed, {refused} refused with {expected.Name}, {failures.Count} failures");
        Assert.That(failures, Is.Empty, $"{format}: {failures.Count} of {cases} cases failed:\n" + string.Join("\n", failures.Take(8)));
    }
}

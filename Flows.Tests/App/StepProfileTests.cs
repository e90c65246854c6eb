extern alias bench;
using Flows.Kernels;
using Flows.Kernels.Cpu;
using BenchProgram = bench::Flows.Bench.Program;
using ProfilingBackend = bench::Flows.Bench.EndToEnd.ProfilingBackend;
using Roof = bench::Flows.Bench.EndToEnd.Roof;

namespace Flows.Tests.App;

/// <summary>
/// `step --profile` reads every op against its roof (docs/PERFORMANCE.md "CPU roofline"): the profiler counts a
/// convolution's FLOPs from its geometry and an element-wise op's bytes from its sizes, and the report prints the
/// fraction of the roof given on the command line.
/// </summary>
[NonParallelizable]
public sealed class StepProfileTests
{
    [Test]
    public void TheProfilerCountsFlopsFromTheGeometryAndBytesFromTheSizes()
    {
        using var profiler = new ProfilingBackend(new ManagedCpuBackend());
        var g = new ConvGeometry(2, 3, 6, 6, 4, 3, 1);
        using var x = profiler.Allocate(g.InputLength);
        using var w = profiler.Allocate(g.WeightLength);
        using var y = profiler.Allocate(g.OutputLength);
        using var c = profiler.Allocate(4);
        foreach (var b in new[] { x, w, y, c }) profiler.Fill(b, 0.5f);
        for (int repeat = 0; repeat < 2; repeat++)
        {
            if (repeat == 1) profiler.Reset(); // the second round is the warm one
            profiler.Conv2dForward(x, w, null, y, g);
            profiler.Unary(UnaryOp.Tanh, y, y, g.OutputLength);
            profiler.Binary(BinaryOp.Mul, y, new Ncs(g.Batch, g.OutChannels, 36), c, new Ncs(1, g.OutChannels, 1), y);
        }

        var conv = profiler.Totals["Conv2dForward"];
        Assert.That(conv.Calls, Is.EqualTo(1));
        Assert.That(conv.Flops, Is.EqualTo(2.0 * 2 * 4 * 36 * 3 * 9));
        Assert.That(conv.IsCompute, Is.True);
        var unary = profiler.Totals["Unary"];
        Assert.That(unary.Bytes, Is.EqualTo(2.0 * g.OutputLength * sizeof(float)), "x read and y written");
        Assert.That(unary.IsCompute, Is.False);
        Assert.That(profiler.Totals["Binary"].Bytes, Is.EqualTo((2.0 * g.OutputLength + 4) * sizeof(float)));
        Assert.That(unary.Allocated + profiler.Totals["Binary"].Allocated, Is.Zero, "warm element-wise calls allocate nothing");

        var roof = new Roof(Gflops: 100, Gbs: 10, "test");
        Assert.That(roof.Fraction(conv), Is.EqualTo(conv.Gflops / 100).Within(1e-12));
        Assert.That(roof.Fraction(unary), Is.EqualTo(unary.Gbs / 10).Within(1e-12));
    }

    [Test]
    public void StepProfilePrintsEachOpAgainstTheGivenRoofs()
    {
        var (code, output, error) = Run("step", "--model", "realnvp", "--mid", "4", "--blocks", "1", "--batch", "2",
                                        "--steps", "1", "--warmup", "1", "--profile", "2", "--roof-gflops", "100", "--roof-gbs", "10");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("roof: 100.0 GFLOP/s, 10.0 GB/s (--roof-gflops; --roof-gbs)"));
        var convLine = output.Split('\n').First(l => l.TrimStart().StartsWith("Conv2dForward "));
        Assert.That(convLine, Does.Contain("GFLOP/s").And.Contain("%"));
        Assert.That(output, Does.Contain("convolutions by shape").And.Contain("allocated inside them per step"));
    }

    [Test]
    public void ANonPositiveRoofIsOneLine()
    {
        var (code, output, error) = Run("step", "--profile", "1", "--roof-gflops", "0");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim(), Is.EqualTo("error: step: --roof-gflops and --roof-gbs must be positive (or leave them out to measure the roofs)"));
        Assert.That(output, Is.Empty, "nothing ran");
    }

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
}

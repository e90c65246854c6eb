using Flows.Core;
using Flows.Kernels;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Engine;

/// <summary>
/// The multi-tensor optimizer path (flat buffers, one reduction and one update per parameter group, per-step scalars
/// from a device buffer; docs/PERFORMANCE.md, "Multi-tensor optimizers") against the per-parameter path, on the managed
/// CPU backend and on the ILGPU CPU simulator (tiny models). Every element is computed with the same arithmetic, so the
/// two paths agree bit for bit, except that with clipping on ILGPU the group norms are summed over the whole flat range
/// instead of tensor by tensor: there the parameters agree to a relative 1e-5.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MultiTensorOptimizerTests
{
    private IlgpuBackend _simulator = null!;

    [OneTimeSetUp]
    public void CreateSimulator() => _simulator = IlgpuBackend.CreateCpuSimulator();

    [OneTimeTearDown]
    public void DisposeSimulator() => _simulator.Dispose();

    private IComputeBackend On(string backend) => backend == "cpu" ? EngineBackend.Cpu : _simulator;

    private static float[] Values(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static void SetGradient(Parameter p, float[] g)
    {
        using var scope = new TensorScope();
        Ops.Sum(Ops.Mul(p, Tensor.FromArray(p.Backend, g, p.Shape))).Backward();
    }

    /// <summary>Three groups: coupled decay with its own rate, plain, and one tensor alone; maxima only when clipping.</summary>
    private static (Parameter[] Parameters, ParameterGroup[] Groups) Model(IComputeBackend b, bool clip, int scale = 1)
    {
        var ps = new[] { 40, 7, 300, 1, 33 }.Select((n, i) => Parameter.From(b, Values(n * scale, 10 + i), n * scale)).ToArray();
        return (ps,
        [
            new ParameterGroup([ps[0], ps[1]], weightDecay: 1e-2f, learningRate: 3e-2f, maxGradNorm: clip ? 0.5f : null, name: "tight"),
            new ParameterGroup([ps[2], ps[3]], maxGradNorm: clip ? 1e3f : null, name: "loose"),
            new ParameterGroup([ps[4]], weightDecay: 5e-3f, maxGradNorm: clip ? 0.1f : null, name: "alone"),
        ]);
    }

    private static Optimizer Create(string kind, ParameterGroup[] groups) => kind switch
    {
        "adam" => new Adam(groups, 1e-2f),
        "adamw" => new AdamW(groups, 1e-2f),
        _ => new RmsProp(groups, 1e-2f),
    };

    private static void TakeStep(Optimizer optimizer, string mode)
    {
        if (mode == "step")
        {
            optimizer.Step();
            return;
        }
        optimizer.Status.Reset();
        optimizer.ClipAndStep(optimizer.Status.Flag);
    }

    private static void AssertSame(Parameter[] expected, Parameter[] actual, double relative, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            float[] e = expected[i].ToArray(), a = actual[i].ToArray();
            for (int j = 0; j < e.Length; j++)
                if (relative == 0) Assert.That(a[j], Is.EqualTo(e[j]), $"{what}: parameter {i}, element {j}");
                else Assert.That(a[j], Is.EqualTo(e[j]).Within(relative * Math.Max(1.0, Math.Abs(e[j]))), $"{what}: parameter {i}, element {j}");
        }
    }

    [Test]
    public void TheMultiTensorStepEqualsThePerParameterStep([Values("adam", "adamw", "rmsprop")] string kind,
                                                             [Values("step", "guarded", "clipped")] string mode,
                                                             [Values("cpu", "ilgpu")] string backend)
    {
        var b = On(backend);
        var (perParams, perGroups) = Model(b, clip: mode == "clipped");
        var (multiParams, multiGroups) = Model(b, clip: mode == "clipped");
        using var per = Create(kind, perGroups);
        using var multi = Create(kind, multiGroups);
        per.UseMultiTensor = false;
        for (int step = 0; step < 4; step++)
        {
            if (step == 2) per.LearningRate = multi.LearningRate = 4e-3f; // a schedule moves the rate between steps
            for (int i = 0; i < perParams.Length; i++)
            {
                var g = Values(perParams[i].Length, 100 * step + i, 4f);
                SetGradient(perParams[i], g);
                SetGradient(multiParams[i], g);
            }
            TakeStep(per, mode);
            TakeStep(multi, mode);
            Assert.That(multi.LastStepWasMultiTensor, Is.True, "every parameter had a gradient, so the step is multi-tensor");
            Assert.That(per.LastStepWasMultiTensor, Is.False);
            per.ZeroGrad();
            multi.ZeroGrad();
        }
        Assert.That(multi.StepCount, Is.EqualTo(per.StepCount));
        // Clipping on ILGPU sums each group's squares over its flat range, not tensor by tensor: another order.
        double relative = mode == "clipped" && backend == "ilgpu" ? 1e-5 : 0;
        AssertSame(perParams, multiParams, relative, $"{kind} {mode} on {backend}");
        var perState = per.ExportState();
        var multiState = multi.ExportState();
        Assert.That(multiState.Names, Is.EquivalentTo(perState.Names));
        foreach (var name in perState.Names)
            for (int j = 0; j < perState[name].Values.Length; j++)
            {
                float e = perState[name].Values[j], a = multiState[name].Values[j];
                Assert.That(a, relative == 0 ? Is.EqualTo(e) : Is.EqualTo(e).Within(relative * Math.Max(1.0, Math.Abs(e))), $"state {name}[{j}]");
            }
    }

    [Test]
    public void ANonFiniteGradientLeavesEveryWeightAndMomentAlone([Values("adam", "adamw", "rmsprop")] string kind, [Values("cpu", "ilgpu")] string backend)
    {
        var b = On(backend);
        var (ps, groups) = Model(b, clip: true);
        using var optimizer = Create(kind, groups);
        foreach (var p in ps) SetGradient(p, Values(p.Length, 3));
        TakeStep(optimizer, "clipped");
        optimizer.ZeroGrad();
        var before = ps.Select(p => p.ToArray()).ToArray();
        var stateBefore = optimizer.ExportState();
        for (int i = 0; i < ps.Length; i++)
        {
            var g = Values(ps[i].Length, 4);
            if (i == 2) g[17] = float.NaN;
            SetGradient(ps[i], g);
        }
        optimizer.Status.Reset();
        optimizer.ClipAndStep(optimizer.Status.Flag);
        var flag = new float[2];
        b.Download(optimizer.Status.Flag, flag);
        Assert.That(optimizer.LastStepWasMultiTensor, Is.True);
        Assert.That(flag[0], Is.Not.EqualTo(0f), "a NaN gradient sets the step's flag");
        for (int i = 0; i < ps.Length; i++) Assert.That(ps[i].ToArray(), Is.EqualTo(before[i]), $"parameter {i} moved");
        var stateAfter = optimizer.ExportState();
        foreach (var name in stateBefore.Names.Where(n => !n.Contains(".step.") && n != "step"))
            Assert.That(stateAfter[name].Values, Is.EqualTo(stateBefore[name].Values), $"{name} moved");
    }

    [Test]
    public void AParameterWithoutAGradientTakesThePerParameterPathAndStaysEqual([Values("cpu", "ilgpu")] string backend)
    {
        var b = On(backend);
        var (perParams, perGroups) = Model(b, clip: false);
        var (multiParams, multiGroups) = Model(b, clip: false);
        using var per = Create("adam", perGroups);
        using var multi = Create("adam", multiGroups);
        per.UseMultiTensor = false;
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < perParams.Length; i++)
            {
                if (step == 1 && i == 3) continue; // parameter 3 gets no gradient in step 1
                var g = Values(perParams[i].Length, 7 * step + i);
                SetGradient(perParams[i], g);
                SetGradient(multiParams[i], g);
            }
            TakeStep(per, "guarded");
            TakeStep(multi, "guarded");
            Assert.That(multi.LastStepWasMultiTensor, Is.EqualTo(step == 0), $"step {step}: after a skipped parameter the step counts differ");
            per.ZeroGrad();
            multi.ZeroGrad();
        }
        AssertSame(perParams, multiParams, 0, "adam with a parameter skipped once");
    }

    [Test]
    public void ExportedStateResumesBitExactly([Values("adam", "adamw", "rmsprop")] string kind, [Values("cpu", "ilgpu")] string backend)
    {
        var b = On(backend);
        var (whole, wholeGroups) = Model(b, clip: true);
        using var uninterrupted = Create(kind, wholeGroups);
        void Feed(Parameter[] ps, int step)
        {
            for (int i = 0; i < ps.Length; i++) SetGradient(ps[i], Values(ps[i].Length, 31 * step + i, 3f));
        }
        for (int step = 0; step < 2; step++)
        {
            Feed(whole, step);
            TakeStep(uninterrupted, "clipped");
            uninterrupted.ZeroGrad();
        }
        var (resumed, resumedGroups) = Model(b, clip: true);
        for (int i = 0; i < whole.Length; i++) resumed[i].CopyFrom(whole[i].ToArray());
        using var second = Create(kind, resumedGroups);
        second.ImportState(uninterrupted.ExportState());
        for (int step = 2; step < 4; step++)
        {
            Feed(whole, step);
            Feed(resumed, step);
            TakeStep(uninterrupted, "clipped");
            TakeStep(second, "clipped");
            Assert.That(second.LastStepWasMultiTensor, Is.True, "imported state moves into the flat buffers");
            uninterrupted.ZeroGrad();
            second.ZeroGrad();
        }
        AssertSame(whole, resumed, 0, $"{kind} resumed on {backend}");
    }

    [Test]
    public void TheStepScalarsBufferHoldsThisStepsBiasCorrectionsAndRates([Values("cpu", "ilgpu")] string backend)
    {
        var b = On(backend);
        var (ps, groups) = Model(b, clip: false);
        using var adam = new Adam(groups, 1e-2f);
        Assert.That(adam.StepScalarsBuffer, Is.Null);
        for (int step = 1; step <= 3; step++)
        {
            foreach (var p in ps) SetGradient(p, Values(p.Length, step));
            TakeStep(adam, "guarded");
            adam.ZeroGrad();
        }
        var scalars = new float[StepScalars.Length(groups.Length)];
        b.Download(adam.StepScalarsBuffer!, scalars);
        var expected = new float[scalars.Length];
        StepScalars.WriteAdam(expected, 0, new AdamSettings(3e-2f, 0.9f, 0.999f, 1e-8f, 1e-2f, 3), 1f);
        StepScalars.WriteAdam(expected, 1, new AdamSettings(1e-2f, 0.9f, 0.999f, 1e-8f, 0f, 3), 1f);
        StepScalars.WriteAdam(expected, 2, new AdamSettings(1e-2f, 0.9f, 0.999f, 1e-8f, 5e-3f, 3), 1f);
        Assert.That(scalars, Is.EqualTo(expected));
    }

    [Test]
    public void DisposingTheOptimizerGivesTheParametersBackTheirValues([Values("cpu", "ilgpu")] string backend)
    {
        var b = On(backend);
        var (ps, groups) = Model(b, clip: false);
        var first = Create("adam", groups);
        foreach (var p in ps) SetGradient(p, Values(p.Length, 1));
        TakeStep(first, "guarded");
        var values = ps.Select(p => p.ToArray()).ToArray();
        first.Dispose();
        for (int i = 0; i < ps.Length; i++) Assert.That(ps[i].ToArray(), Is.EqualTo(values[i]), $"parameter {i} after Dispose");
        // A new optimizer over the same parameters trains them (the old flat buffers are gone).
        using var second = Create("adam", groups);
        foreach (var p in ps) SetGradient(p, Values(p.Length, 2));
        TakeStep(second, "guarded");
        Assert.That(second.LastStepWasMultiTensor, Is.True);
        Assert.That(ps[0].ToArray(), Is.Not.EqualTo(values[0]));
    }

    /// <summary>
    /// The optimizer part of a step (clipping norms, coefficients, update) costs a few launches per parameter group,
    /// however many tensors the groups hold: 1 fill + 2 per group (norms), 1 (coefficients), 1 per group (update).
    /// </summary>
    [Test]
    public void TheOptimizerLaunchesDoNotGrowWithTheNumberOfTensors([Values("adam", "rmsprop")] string kind)
    {
        long Launches(int copies, bool multiTensor)
        {
            var (ps, groups) = Model(_simulator, clip: true);
            // More tensors in the same three groups: copies of the model's tensors added to each group.
            var extra = Enumerable.Range(0, copies).Select(c => Model(_simulator, clip: true).Parameters).ToArray();
            var widened = groups.Select((g, k) => new ParameterGroup(
                g.Parameters.Concat(extra.SelectMany(e => k == 0 ? e[..2] : k == 1 ? e[2..4] : e[4..])), g.WeightDecay, g.LearningRate,
                g.MaxGradNorm, g.Name)).ToArray();
            var all = widened.SelectMany(g => g.Parameters).ToArray();
            using var optimizer = Create(kind, widened);
            optimizer.UseMultiTensor = multiTensor;
            long counted = 0;
            for (int step = 0; step < 2; step++)
            {
                foreach (var p in all) SetGradient(p, Values(p.Length, step));
                optimizer.Status.Reset();
                var start = _simulator.Counter.Snapshot();
                optimizer.ClipAndStep(optimizer.Status.Flag);
                counted = (_simulator.Counter.Snapshot() - start).Launches; // the second step: the flat storage exists
                optimizer.ZeroGrad();
            }
            return counted;
        }
        long few = Launches(0, true), many = Launches(3, true), perParameter = Launches(3, false);
        TestContext.Out.WriteLine($"{kind}: multi-tensor {few} launches (5 tensors), {many} (20 tensors); per-parameter {perParameter} (20 tensors)");
        Assert.That(many, Is.EqualTo(few), "the multi-tensor step's launches do not depend on the number of tensors");
        Assert.That(few, Is.EqualTo(1 + 2 * 3 + 1 + 3), "3 groups: fill, 2 per group for the norms, the coefficients, 1 per group for the update");
        Assert.That(perParameter, Is.EqualTo(1 + 2 * 20 + 1 + 20), "the per-parameter path: 3 launches per tensor");
    }
}

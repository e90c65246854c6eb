using Flows.Core;
using Flows.Kernels;

namespace Flows.Tests.Engine;

/// <summary>How the inputs of a gradient check are drawn: smooth values, positive values (Log, Sqrt,
/// Reciprocal, divisors), or values kept away from 0 (ReLU, LeakyReLU, Abs, whose derivative jumps there).</summary>
public enum InputRange
{
    Smooth,
    Positive,
    AwayFromZero,
}

/// <summary>The agreement of autodiff and finite differences for one input of a checked function.</summary>
public sealed record InputGradientError(int Input, int[] Shape, double AnalyticNorm, double NumericNorm, double MaxAbsoluteError, double RelativeError);

/// <summary>The result of <see cref="GradCheck.Run(Func{Tensor[], Tensor[]}, Tensor[], GradCheckOptions?)"/>.</summary>
public sealed record GradCheckResult(IReadOnlyList<InputGradientError> Inputs)
{
    /// <summary>The largest ‖analytic − numeric‖ / max(‖numeric‖, ‖analytic‖, floor) over the inputs.</summary>
    public double MaxRelativeError => Inputs.Count == 0 ? 0 : Inputs.Max(i => i.RelativeError);

    public override string ToString() => string.Join("; ", Inputs.Select(i =>
        $"input {i.Input} {Shapes.Format(i.Shape)}: relative {i.RelativeError:E2}, max abs {i.MaxAbsoluteError:E2}, |analytic| {i.AnalyticNorm:G4}, |numeric| {i.NumericNorm:G4}"));
}

/// <param name="RelativeStep">The finite-difference step is RelativeStep·max(|x|, 1).</param>
/// <param name="Seed">Seeds the random weights that reduce the outputs to one scalar.</param>
/// <param name="NormFloor">Keeps the relative error finite when a gradient is (nearly) zero.</param>
public sealed record GradCheckOptions(double RelativeStep = 1e-2, int Seed = 12345, double NormFloor = 1e-3);

/// <summary>
/// Compares reverse-mode gradients with central finite differences. The outputs of f are reduced to the
/// scalar L = Σ_k Σ_i w_ki·out_ki with fixed random weights w (so every output element and every output
/// matters); autodiff gives ∂L/∂input through Backward, and each input element is perturbed by ±h with the
/// loss accumulated in double on the host. Errors are norm-relative per input, which is robust to the
/// float32 noise in individual entries that a per-element test would trip over.
/// </summary>
public static class GradCheck
{
    /// <summary>Checks f and fails the test (with every input's error in the message) above the tolerance.</summary>
    public static GradCheckResult AssertGradients(string name, Func<Tensor[], Tensor[]> f, Tensor[] inputs,
                                                  double tolerance = 1e-2, GradCheckOptions? options = null)
    {
        var result = Run(f, inputs, options);
        TestContext.Out.WriteLine($"gradcheck {name}: max relative error {result.MaxRelativeError:E2} ({result})");
        Assert.That(result.MaxRelativeError, Is.LessThan(tolerance), $"gradcheck {name}: {result}");
        return result;
    }

    public static GradCheckResult AssertGradients(string name, Func<Tensor[], Tensor> f, Tensor[] inputs,
                                                  double tolerance = 1e-2, GradCheckOptions? options = null) =>
        AssertGradients(name, xs => [f(xs)], inputs, tolerance, options);

    public static GradCheckResult Run(Func<Tensor[], Tensor> f, Tensor[] inputs, GradCheckOptions? options = null) =>
        Run(xs => [f(xs)], inputs, options);

    /// <summary>Runs the check for every input (each gets RequiresGrad). Inputs keep their values afterwards.</summary>
    public static GradCheckResult Run(Func<Tensor[], Tensor[]> f, Tensor[] inputs, GradCheckOptions? options = null)
    {
        options ??= new GradCheckOptions();
        foreach (var x in inputs)
        {
            x.RequiresGrad = true;
            x.ZeroGrad();
        }

        // Output shapes fix the reduction weights.
        float[][] weights;
        using (new TensorScope())
        using (Autograd.NoGrad())
        {
            var outs = f(inputs);
            var rng = new Random(options.Seed);
            weights = outs.Select(o => Enumerable.Range(0, o.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        }

        var analytic = new double[inputs.Length][];
        using (new TensorScope())
        {
            var outs = f(inputs);
            Tensor? loss = null;
            for (int k = 0; k < outs.Length; k++)
            {
                var w = Tensor.FromArray(outs[k].Backend, weights[k], outs[k].Shape);
                var term = Ops.Sum(Ops.Mul(outs[k], w));
                loss = loss is null ? term : Ops.Add(loss, term);
            }
            loss!.Backward();
            for (int i = 0; i < inputs.Length; i++)
                analytic[i] = inputs[i].Grad is { } g ? g.ToArray().Select(v => (double)v).ToArray() : new double[inputs[i].Length];
        }
        foreach (var x in inputs) x.ZeroGrad();

        var errors = new List<InputGradientError>();
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            var values = x.ToArray();
            var numeric = new double[values.Length];
            for (int e = 0; e < values.Length; e++)
            {
                float original = values[e];
                double h = options.RelativeStep * Math.Max(Math.Abs(original), 1.0);
                float plus = (float)(original + h), minus = (float)(original - h);
                values[e] = plus;
                x.CopyFrom(values);
                double lossPlus = Evaluate(f, inputs, weights);
                values[e] = minus;
                x.CopyFrom(values);
                double lossMinus = Evaluate(f, inputs, weights);
                values[e] = original;
                // The step actually taken is the difference of the rounded float32 points.
                numeric[e] = (lossPlus - lossMinus) / ((double)plus - minus);
            }
            x.CopyFrom(values);
            errors.Add(Compare(i, x.Shape, analytic[i], numeric, options.NormFloor));
        }
        return new GradCheckResult(errors);
    }

    private static double Evaluate(Func<Tensor[], Tensor[]> f, Tensor[] inputs, float[][] weights)
    {
        using var scope = new TensorScope();
        using var noGrad = Autograd.NoGrad();
        var outs = f(inputs);
        double loss = 0;
        for (int k = 0; k < outs.Length; k++)
        {
            var o = outs[k].ToArray();
            for (int j = 0; j < o.Length; j++) loss += (double)weights[k][j] * o[j];
        }
        return loss;
    }

    private static InputGradientError Compare(int index, int[] shape, double[] analytic, double[] numeric, double floor)
    {
        double diff = 0, an = 0, nn = 0, maxAbs = 0;
        for (int j = 0; j < analytic.Length; j++)
        {
            double d = analytic[j] - numeric[j];
            diff += d * d;
            an += analytic[j] * analytic[j];
            nn += numeric[j] * numeric[j];
            maxAbs = Math.Max(maxAbs, Math.Abs(d));
        }
        an = Math.Sqrt(an);
        nn = Math.Sqrt(nn);
        double relative = Math.Sqrt(diff) / Math.Max(Math.Max(an, nn), floor);
        return new InputGradientError(index, (int[])shape.Clone(), an, nn, maxAbs, relative);
    }

    // ---- inputs -------------------------------------------------------------------------------------

    /// <summary>A tensor of seeded random values drawn for the given range.</summary>
    public static Tensor RandomTensor(IComputeBackend backend, Random rng, InputRange range, params int[] shape)
    {
        var values = new float[Shapes.Count(shape)];
        for (int i = 0; i < values.Length; i++)
        {
            double u = rng.NextDouble();
            values[i] = range switch
            {
                InputRange.Smooth => (float)(u * 3 - 1.5),
                InputRange.Positive => (float)(0.5 + u),
                // ±[0.2, 1.2]: farther from the kink at 0 than any finite-difference step.
                _ => (float)((0.2 + u) * (rng.Next(2) == 0 ? -1 : 1)),
            };
        }
        return Tensor.FromArray(backend, values, shape);
    }
}

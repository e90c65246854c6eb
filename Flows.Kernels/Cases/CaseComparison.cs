using Flows.Kernels.Ilgpu;

namespace Flows.Kernels.Cases;

/// <summary>
/// How far one run of a case is from another backend's run or from the plain-loop reference: the worst
/// <see cref="Discrepancy"/> over the case's outputs, and the output where it occurs.
/// </summary>
public static class CaseComparison
{
    public static (double Error, string Worst) Between(KernelCase kernelCase, CaseBuffers actual, CaseBuffers expected) =>
        Worst(kernelCase, output => output.StartsWith(ScalarPrefix, StringComparison.Ordinal)
            ? RelativeError(actual.Scalars[output[ScalarPrefix.Length..]], expected.Scalars[output[ScalarPrefix.Length..]])
            : Discrepancy.Max(actual.Download(output), expected.Download(output), out _));

    public static (double Error, string Worst) AgainstReference(KernelCase kernelCase, CaseBuffers actual)
    {
        var reference = kernelCase.Reference?.Invoke(actual)
                        ?? throw new InvalidOperationException($"{kernelCase}: the case has no plain-loop reference");
        return Worst(kernelCase, output =>
        {
            var expected = reference[output];
            if (output.StartsWith(ScalarPrefix, StringComparison.Ordinal))
                return RelativeError(actual.Scalars[output[ScalarPrefix.Length..]], expected[0]);
            var got = actual.Download(output);
            return Discrepancy.Max(got.AsSpan(0, expected.Length), Array.ConvertAll(expected, v => (float)v), out _);
        });
    }

    private const string ScalarPrefix = "scalar:";

    private static double RelativeError(double actual, double expected) => Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-30);

    private static (double Error, string Worst) Worst(KernelCase kernelCase, Func<string, double> error)
    {
        double worstError = 0;
        string worst = "";
        foreach (var output in kernelCase.Outputs)
        {
            double e = error(output);
            if (e >= worstError || double.IsNaN(e))
            {
                worstError = double.IsNaN(e) ? double.PositiveInfinity : e;
                worst = output;
            }
        }
        return (worstError, worst);
    }
}

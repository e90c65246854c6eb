using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>Small helpers for per-sample log-determinant vectors (shape [N]).</summary>
public static class LogDets
{
    public static Tensor Zeros(IComputeBackend backend, int batch) => Tensor.Zeros(backend, batch);

    /// <summary>A one-element tensor repeated for every sample, keeping its gradient.</summary>
    public static Tensor Repeat(Tensor scalar, int batch)
    {
        using var zeros = Tensor.Zeros(scalar.Backend, batch);
        return Ops.Broadcast(BinaryOp.Add, zeros, new Ncs(batch, 1, 1), scalar, Ncs.Scalar, [batch]);
    }

    /// <summary>
    /// Reads the N values to the host (cheap) and raises a NumericalException naming the layer and the
    /// shapes when one is NaN or infinite; the original code stops the same way ("Scale factor has NaN entries").
    /// </summary>
    public static void RequireFinite(Tensor logdet, string layer, string shapes)
    {
        var values = logdet.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new NumericalException(
                    $"{layer}: log-determinant of sample {i} is {values[i]} (the scale s has NaN or Inf entries); {shapes}");
    }
}

using Flows.Kernels;

namespace Flows.Core;

/// <summary>Batch normalization as PyTorch computes it (docs/MODELS.md §4.6).</summary>
public static partial class Ops
{
    /// <summary>
    /// Normalizes x (N, C, H, W) or (N, C) per channel. In training mode it uses the batch mean and the
    /// biased batch variance, and updates the running statistics in place with momentum and the unbiased
    /// variance; in evaluation mode it uses the running statistics. With relu the result is ReLU(BatchNorm(x)),
    /// fused into the same passes forward and backward.
    /// </summary>
    public static Tensor BatchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   bool training, float momentum = 0.1f, float epsilon = 1e-5f, bool relu = false)
    {
        var shape = Shapes.Ncs(x);
        if (x.Rank != 4 && x.Rank != 2)
            throw new ArgumentException($"BatchNorm: expected (N, C, H, W) or (N, C), got {Shapes.Format(x.Shape)}");
        foreach (var v in new[] { gamma, beta, runningMean, runningVar })
            if (v.Length != shape.C)
                throw new ArgumentException($"BatchNorm: input {Shapes.Format(x.Shape)} has {shape.C} channels, a parameter has shape {Shapes.Format(v.Shape)}");
        int perChannel = shape.N * shape.S;
        if (training && perChannel < 2)
            throw new ArgumentException($"BatchNorm: training needs more than one value per channel, got input {Shapes.Format(x.Shape)}");

        var backend = x.Backend;
        var mean = Tensor.Empty(backend, shape.C);
        var invStd = Tensor.Empty(backend, shape.C);
        if (training)
        {
            // Batch mean and 1/√(var + ε), and running = (1 − m)·running + m·batch with the unbiased variance, in one
            // pass (docs/PERFORMANCE.md, "Launches and host synchronisations per step").
            backend.BatchNormStatistics(x.Buffer, shape, mean.Buffer, invStd.Buffer, runningMean.Buffer, runningVar.Buffer, momentum, epsilon);
        }
        else
        {
            backend.Copy(runningMean.Buffer, mean.Buffer, shape.C);
            InverseStd(backend, runningVar.Buffer, invStd.Buffer, shape.C, epsilon);
        }

        var y = Tensor.Empty(backend, x.Shape);
        backend.BatchNormApply(x.Buffer, mean.Buffer, invStd.Buffer, gamma.Buffer, beta.Buffer, y.Buffer, shape, relu);
        if (Autograd.ShouldRecord(x, gamma, beta))
        {
            Autograd.Record(relu ? "BatchNormRelu" : "BatchNorm", [x, gamma, beta], y, dy =>
            {
                var dx = Tensor.Empty(backend, x.Shape);
                var dgamma = Autograd.GradientTarget(gamma);
                var dbeta = Autograd.GradientTarget(beta);
                backend.BatchNormBackward(x.Buffer, mean.Buffer, invStd.Buffer, gamma.Buffer, dy.Buffer,
                                          dx.Buffer, dgamma.Buffer, dbeta.Buffer, shape, batchStatistics: training,
                                          reluOutput: relu ? y.Buffer : null);
                Autograd.Accumulate(x, dx, transfer: true);
                Autograd.Accumulate(gamma, dgamma, transfer: true);
                Autograd.Accumulate(beta, dbeta, transfer: true);
            });
        }
        return y;
    }

    private static void InverseStd(IComputeBackend backend, DeviceBuffer variance, DeviceBuffer invStd, int count, float epsilon)
    {
        backend.Unary(UnaryOp.AddScalar, variance, invStd, count, epsilon);
        backend.Unary(UnaryOp.Sqrt, invStd, invStd, count);
        backend.Unary(UnaryOp.Reciprocal, invStd, invStd, count);
    }
}

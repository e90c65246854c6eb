using static Flows.Kernels.Operand;

namespace Flows.Kernels;

/// <summary>The checks of the fused layer passes (weight norm, BatchNorm statistics, log|det W|).</summary>
public abstract partial class CheckedComputeBackend
{
    public void WeightNormForward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest)
    {
        const string name = nameof(WeightNormForward);
        ContractChecks.Count(name, "rows", rows);
        ContractChecks.Count(name, "rest", rest);
        int l = rows * rest;
        ContractChecks.Operands(this, name, In("g", g, rows), In("v", v, l), Out("w", w, l), Out("norms", norms, rows));
        if (l > 0) WeightNormForwardCore(g, v, w, norms, rows, rest);
    }

    public void WeightNormBackward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg, DeviceBuffer dv,
                                   int rows, int rest)
    {
        const string name = nameof(WeightNormBackward);
        ContractChecks.Count(name, "rows", rows);
        ContractChecks.Count(name, "rest", rest);
        int l = rows * rest;
        ContractChecks.Operands(this, name, In("g", g, rows), In("v", v, l), In("norms", norms, rows), In("dw", dw, l),
                                Out("dg", dg, rows), Out("dv", dv, l));
        if (l > 0) WeightNormBackwardCore(g, v, norms, dw, dg, dv, rows, rest);
    }

    public void BatchNormStatistics(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd,
                                    DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon)
    {
        const string name = nameof(BatchNormStatistics);
        ContractChecks.Shape(name, "shape", shape);
        if (shape.N * shape.S < 2)
            throw ContractChecks.Bad(name, "needs more than one value per channel (N·S)", "≥ 2", shape.N * shape.S);
        int c = shape.C;
        ContractChecks.Operands(this, name, In("x", x, shape.Length), Out("mean", mean, c), Out("invStd", invStd, c),
                                Out("runningMean", runningMean, c), Out("runningVar", runningVar, c));
        BatchNormStatisticsCore(x, shape, mean, invStd, runningMean, runningVar, momentum, epsilon);
    }

    public void LogAbsDeterminant(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu)
    {
        const string name = nameof(LogAbsDeterminant);
        ContractChecks.Count(name, "n", n);
        if (n == 0) throw ContractChecks.Bad(name, "needs a matrix of at least 1×1", "n ≥ 1", n);
        ContractChecks.Operands(this, name, In("weight", weight, n * n), Out("logAbsDet", logAbsDet, 1),
                                Out("inverseTranspose", inverseTranspose, n * n), Out("lu", lu, n * n));
        LogAbsDeterminantCore(weight, n, logAbsDet, inverseTranspose, lu);
    }

    protected abstract void WeightNormForwardCore(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest);
    protected abstract void WeightNormBackwardCore(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg,
                                                   DeviceBuffer dv, int rows, int rest);
    protected abstract void BatchNormStatisticsCore(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd,
                                                    DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon);
    protected abstract void LogAbsDeterminantCore(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu);
}

using static Flows.Kernels.Operand;

namespace Flows.Kernels;

/// <summary>
/// The one door into a backend: each public contract method applies <see cref="ContractChecks"/> (which
/// buffers it reads and writes, how many elements each needs, which sizes must be positive, which pairs may run
/// in place) and only then calls the backend's protected <c>…Core</c> method, which computes and checks nothing.
/// Both backends derive from this class and cannot override the public methods, so neither can skip a check.
/// A call with nothing to do (a zero count, an empty matrix) is checked and then returns without reaching the
/// backend.
///
/// In place: Unary may write y over x, and Binary may write c over a when a already has the result's shape
/// (an in-place bias add). The optimizers update their parameter and state buffers in place by definition.
/// Every other output is a buffer of its own, distinct from every other operand of the call.
/// </summary>
public abstract partial class CheckedComputeBackend : IComputeBackend
{
    public abstract string Name { get; }

    public abstract string DeviceDescription { get; }

    internal bool IsDisposed { get; private set; }

    /// <summary>True when the buffer was allocated by this backend (its own buffer type and owner).</summary>
    internal abstract bool Owns(DeviceBuffer buffer);

    // ---- memory -------------------------------------------------------------------------------------

    /// <summary>The pool's counters (no arguments to check: each backend reports its own pool).</summary>
    public abstract BufferPoolStatistics PoolStatistics { get; }

    public abstract long PoolRetainLimitBytes { get; set; }

    public abstract void TrimPool();

    public abstract void ResetPeakLiveBytes();

    public DeviceBuffer Allocate(int length)
    {
        ContractChecks.Live(this, nameof(Allocate));
        ContractChecks.Count(nameof(Allocate), "length", length);
        return AllocateCore(length);
    }

    public void Upload(ReadOnlySpan<float> source, DeviceBuffer destination)
    {
        ContractChecks.Operands(this, nameof(Upload), Out("destination", destination, source.Length));
        if (source.Length > 0) UploadCore(source, destination);
    }

    public void Download(DeviceBuffer source, Span<float> destination)
    {
        ContractChecks.Operands(this, nameof(Download), In("source", source, destination.Length));
        if (destination.Length > 0) DownloadCore(source, destination);
    }

    public void Fill(DeviceBuffer destination, float value)
    {
        ContractChecks.Operands(this, nameof(Fill), Out("destination", destination, 0));
        if (destination.Length > 0) FillCore(destination, value);
    }

    public void Copy(DeviceBuffer source, DeviceBuffer destination, int count)
    {
        ContractChecks.Count(nameof(Copy), "count", count);
        ContractChecks.Operands(this, nameof(Copy), In("source", source, count), Out("destination", destination, count));
        if (count > 0) CopyCore(source, destination, count);
    }

    public void Synchronize()
    {
        ContractChecks.Live(this, nameof(Synchronize));
        SynchronizeCore();
    }

    // ---- element-wise ---------------------------------------------------------------------------------

    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha = 0f)
    {
        ContractChecks.Count(nameof(Unary), "count", count);
        ContractChecks.Operands(this, nameof(Unary), In("x", x, count), Out("y", y, count, mayAlias: "x"));
        if (count > 0) UnaryCore(op, x, y, count, alpha);
    }

    public void UnaryBackward(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha = 0f)
    {
        ContractChecks.Count(nameof(UnaryBackward), "count", count);
        ContractChecks.Operands(this, nameof(UnaryBackward), In("x", x, count), In("y", y, count), In("dy", dy, count),
                                Out("dx", dx, count));
        if (count > 0) UnaryBackwardCore(op, x, y, dy, dx, count, alpha);
    }

    public void HighwayGate(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count)
    {
        ContractChecks.Count(nameof(HighwayGate), "count", count);
        ContractChecks.Operands(this, nameof(HighwayGate), In("a", a, count), In("t", t, count), In("h", h, count), Out("y", y, count));
        if (count > 0) HighwayGateCore(a, t, h, y, count);
    }

    public void HighwayGateBackward(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                                    DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count)
    {
        ContractChecks.Count(nameof(HighwayGateBackward), "count", count);
        ContractChecks.Operands(this, nameof(HighwayGateBackward), In("a", a, count), In("t", t, count), In("h", h, count),
                                In("dy", dy, count), Out("da", da, count), Out("dt", dt, count), Out("dh", dh, count));
        if (count > 0) HighwayGateBackwardCore(a, t, h, dy, da, dt, dh, count);
    }

    public void Binary(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c)
    {
        const string name = nameof(Binary);
        ContractChecks.Shape(name, "aShape", aShape);
        ContractChecks.Shape(name, "bShape", bShape);
        var cShape = Ncs.Broadcast(aShape, bShape, name);
        ContractChecks.Operands(this, name, In("a", a, aShape.Length), In("b", b, bShape.Length),
                                Out("c", c, cShape.Length, mayAlias: aShape == cShape ? "a" : null));
        BinaryCore(op, a, aShape, b, bShape, c, cShape);
    }

    public void Axpy(float alpha, DeviceBuffer x, DeviceBuffer y, int count)
    {
        ContractChecks.Count(nameof(Axpy), "count", count);
        ContractChecks.Operands(this, nameof(Axpy), In("x", x, count), Out("y", y, count));
        if (count > 0) AxpyCore(alpha, x, y, count);
    }

    // ---- reductions -----------------------------------------------------------------------------------

    public void SumTo(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape)
    {
        const string name = nameof(SumTo);
        ContractChecks.Shape(name, "xShape", xShape);
        ContractChecks.Shape(name, "yShape", yShape);
        if (!Reducible(xShape.N, yShape.N) || !Reducible(xShape.C, yShape.C) || !Reducible(xShape.S, yShape.S))
            throw ContractChecks.Bad(name, $"cannot sum {xShape} to {yShape}", "each target axis 1 or equal to the source's", yShape);
        ContractChecks.Operands(this, name, In("x", x, xShape.Length), Out("y", y, yShape.Length));
        SumToCore(x, xShape, y, yShape);

        static bool Reducible(int from, int to) => to == from || to == 1;
    }

    public void ChannelMoments(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance)
    {
        const string name = nameof(ChannelMoments);
        ContractChecks.Shape(name, "shape", shape);
        ContractChecks.Operands(this, name, In("x", x, shape.Length), Out("mean", mean, shape.C), Out("variance", variance, shape.C));
        ChannelMomentsCore(x, shape, mean, variance);
    }

    public double SumOfSquares(DeviceBuffer x, int count)
    {
        ContractChecks.Count(nameof(SumOfSquares), "count", count);
        ContractChecks.Operands(this, nameof(SumOfSquares), In("x", x, count));
        return count > 0 ? SumOfSquaresCore(x, count) : 0.0;
    }

    public void SumOfSquaresInto(DeviceBuffer x, int count, DeviceBuffer sums, int slot)
    {
        const string name = nameof(SumOfSquaresInto);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Slot(name, "slot", slot);
        ContractChecks.Operands(this, name, In("x", x, count), Out("sums", sums, slot + 1));
        if (count > 0) SumOfSquaresIntoCore(x, count, sums, slot);
    }

    public void ClipCoefficients(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag)
    {
        const string name = nameof(ClipCoefficients);
        ContractChecks.Count(name, "groups", groups);
        ContractChecks.Operands(this, name, In("sums", sums, groups), In("maxNorms", maxNorms, groups),
                                Out("coefficients", coefficients, groups), Out("flag", flag, 1));
        if (groups > 0) ClipCoefficientsCore(sums, maxNorms, groups, coefficients, flag);
    }

    public void FlagNonFinite(DeviceBuffer x, int count, DeviceBuffer flag)
    {
        const string name = nameof(FlagNonFinite);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Operands(this, name, In("x", x, count), Out("flag", flag, 1));
        if (count > 0) FlagNonFiniteCore(x, count, flag);
    }

    // ---- layout ---------------------------------------------------------------------------------------

    public void CopyChannels(DeviceBuffer source, int sourceChannels, int sourceOffset,
                             DeviceBuffer destination, int destinationChannels, int destinationOffset,
                             int count, int batch, int spatial)
    {
        const string name = nameof(CopyChannels);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Count(name, "batch", batch);
        ContractChecks.Count(name, "spatial", spatial);
        if (sourceOffset < 0 || sourceOffset + count > sourceChannels)
            throw ContractChecks.Bad(name, "the source channels are out of range",
                                     $"[offset, offset + count) within [0, {sourceChannels})", $"[{sourceOffset}, {sourceOffset + count})");
        if (destinationOffset < 0 || destinationOffset + count > destinationChannels)
            throw ContractChecks.Bad(name, "the destination channels are out of range",
                                     $"[offset, offset + count) within [0, {destinationChannels})", $"[{destinationOffset}, {destinationOffset + count})");
        ContractChecks.Operands(this, name, In("source", source, batch * sourceChannels * spatial),
                                Out("destination", destination, batch * destinationChannels * spatial));
        if (count > 0 && batch > 0 && spatial > 0)
            CopyChannelsCore(source, sourceChannels, sourceOffset, destination, destinationChannels, destinationOffset, count, batch, spatial);
    }

    public void Squeeze2x2(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width)
    {
        int length = SqueezeLength(nameof(Squeeze2x2), batch, channels, height, width);
        ContractChecks.Operands(this, nameof(Squeeze2x2), In("x", x, length), Out("y", y, length));
        Squeeze2x2Core(x, y, batch, channels, height, width);
    }

    public void Unsqueeze2x2(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width)
    {
        int length = SqueezeLength(nameof(Unsqueeze2x2), batch, channels, height, width);
        ContractChecks.Operands(this, nameof(Unsqueeze2x2), In("y", y, length), Out("x", x, length));
        Unsqueeze2x2Core(y, x, batch, channels, height, width);
    }

    private static int SqueezeLength(string op, int batch, int channels, int height, int width)
    {
        if (batch <= 0 || channels <= 0 || height <= 0 || width <= 0 || height % 2 != 0 || width % 2 != 0)
            throw ContractChecks.Bad(op, "needs positive sizes and an even height and width", "N, C ≥ 1 and H, W even and ≥ 2",
                                     $"N={batch}, C={channels}, H={height}, W={width}");
        return batch * channels * height * width;
    }

    // ---- dense linear algebra -------------------------------------------------------------------------

    public void MatMul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                       bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        const string name = nameof(MatMul);
        if (m < 0 || k < 0 || n < 0) throw ContractChecks.Bad(name, "sizes must not be negative", "m, k, n ≥ 0", $"m={m}, k={k}, n={n}");
        ContractChecks.Operands(this, name, In("a", a, m * k), In("b", b, k * n), Out("c", c, m * n));
        if (m > 0 && n > 0) MatMulCore(a, b, c, m, k, n, transposeA, transposeB, accumulate);
    }

    public void Conv2dForward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g)
    {
        g.Validate(nameof(Conv2dForward));
        ContractChecks.Operands(this, nameof(Conv2dForward), In("x", x, g.InputLength), In("weight", weight, g.WeightLength),
                                OptionalIn("bias", bias, g.OutChannels), Out("y", y, g.OutputLength));
        Conv2dForwardCore(x, weight, bias, y, g);
    }

    public void Conv2dBackwardData(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g)
    {
        g.Validate(nameof(Conv2dBackwardData));
        ContractChecks.Operands(this, nameof(Conv2dBackwardData), In("dy", dy, g.OutputLength), In("weight", weight, g.WeightLength),
                                Out("dx", dx, g.InputLength));
        Conv2dBackwardDataCore(dy, weight, dx, g);
    }

    public void Conv2dBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g)
    {
        g.Validate(nameof(Conv2dBackwardWeight));
        ContractChecks.Operands(this, nameof(Conv2dBackwardWeight), In("x", x, g.InputLength), In("dy", dy, g.OutputLength),
                                Out("dw", dw, g.WeightLength));
        Conv2dBackwardWeightCore(x, dy, dw, g);
    }

    public void Conv2dBackwardWeightAndBias(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, ConvGeometry g)
    {
        g.Validate(nameof(Conv2dBackwardWeightAndBias));
        ContractChecks.Operands(this, nameof(Conv2dBackwardWeightAndBias), In("x", x, g.InputLength), In("dy", dy, g.OutputLength),
                                Out("dw", dw, g.WeightLength), Out("db", db, g.OutChannels));
        Conv2dBackwardWeightAndBiasCore(x, dy, dw, db, g);
    }

    // ---- pooling --------------------------------------------------------------------------------------

    public void MaxPool2dForward(DeviceBuffer x, DeviceBuffer y, PoolGeometry g)
    {
        g.Validate(nameof(MaxPool2dForward));
        ContractChecks.Operands(this, nameof(MaxPool2dForward), In("x", x, g.InputLength), Out("y", y, g.OutputLength));
        MaxPool2dForwardCore(x, y, g);
    }

    public void MaxPool2dBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g)
    {
        g.Validate(nameof(MaxPool2dBackward));
        ContractChecks.Operands(this, nameof(MaxPool2dBackward), In("x", x, g.InputLength), In("y", y, g.OutputLength),
                                In("dy", dy, g.OutputLength), Out("dx", dx, g.InputLength));
        MaxPool2dBackwardCore(x, y, dy, dx, g);
    }

    // ---- normalization --------------------------------------------------------------------------------

    public void BatchNormApply(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                               DeviceBuffer y, Ncs shape, bool relu = false)
    {
        const string name = nameof(BatchNormApply);
        ContractChecks.Shape(name, "shape", shape);
        int l = shape.Length, c = shape.C;
        ContractChecks.Operands(this, name, In("x", x, l), In("mean", mean, c), In("invStd", invStd, c), In("gamma", gamma, c),
                                In("beta", beta, c), Out("y", y, l));
        BatchNormApplyCore(x, mean, invStd, gamma, beta, y, shape, relu);
    }

    public void BatchNormBackward(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                                  DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                                  DeviceBuffer? reluOutput = null)
    {
        const string name = nameof(BatchNormBackward);
        ContractChecks.Shape(name, "shape", shape);
        int l = shape.Length, c = shape.C;
        ContractChecks.Operands(this, name, In("x", x, l), In("mean", mean, c), In("invStd", invStd, c), In("gamma", gamma, c),
                                In("dy", dy, l), Out("dx", dx, l), Out("dgamma", dgamma, c), Out("dbeta", dbeta, c),
                                OptionalIn("reluOutput", reluOutput, l));
        BatchNormBackwardCore(x, mean, invStd, gamma, dy, dx, dgamma, dbeta, shape, batchStatistics, reluOutput);
    }

    // ---- flow layers ----------------------------------------------------------------------------------

    public void CouplingForward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                DeviceBuffer y, DeviceBuffer logdet, Ncs shape)
    {
        CheckCoupling(nameof(CouplingForward), "x", x, raw, t, scale, mask, "y", y, logdet, shape);
        CouplingForwardCore(x, raw, t, scale, mask, y, logdet, shape);
    }

    public void CouplingInverse(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                DeviceBuffer x, DeviceBuffer logdet, Ncs shape)
    {
        CheckCoupling(nameof(CouplingInverse), "y", y, raw, t, scale, mask, "x", x, logdet, shape);
        CouplingInverseCore(y, raw, t, scale, mask, x, logdet, shape);
    }

    private void CheckCoupling(string op, string inputName, DeviceBuffer input, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale,
                               DeviceBuffer? mask, string outputName, DeviceBuffer output, DeviceBuffer logdet, Ncs shape)
    {
        ContractChecks.Shape(op, "shape", shape);
        int l = shape.Length;
        ContractChecks.Operands(this, op, In(inputName, input, l), In("raw", raw, l), In("t", t, l), In("scale", scale, shape.C),
                                OptionalIn("mask", mask, shape.C * shape.S), Out(outputName, output, l), Out("logdet", logdet, shape.N));
    }

    public void CouplingBackward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                                 DeviceBuffer dy, DeviceBuffer dlogdet,
                                 DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape)
    {
        const string name = nameof(CouplingBackward);
        ContractChecks.Shape(name, "shape", shape);
        int l = shape.Length;
        ContractChecks.Operands(this, name, In("x", x, l), In("raw", raw, l), In("t", t, l), In("scale", scale, shape.C),
                                OptionalIn("mask", mask, shape.C * shape.S), In("dy", dy, l), In("dlogdet", dlogdet, shape.N),
                                Out("dx", dx, l), Out("draw", draw, l), Out("dt", dt, l), Out("dscale", dscale, shape.C));
        CouplingBackwardCore(x, raw, t, scale, mask, dy, dlogdet, dx, draw, dt, dscale, shape);
    }

    public void ActNormForward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape)
    {
        CheckActNorm(nameof(ActNormForward), "x", x, bias, logScale, "y", y, shape);
        ActNormForwardCore(x, bias, logScale, y, shape);
    }

    public void ActNormInverse(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape)
    {
        CheckActNorm(nameof(ActNormInverse), "y", y, bias, logScale, "x", x, shape);
        ActNormInverseCore(y, bias, logScale, x, shape);
    }

    private void CheckActNorm(string op, string inputName, DeviceBuffer input, DeviceBuffer bias, DeviceBuffer logScale,
                              string outputName, DeviceBuffer output, Ncs shape)
    {
        ContractChecks.Shape(op, "shape", shape);
        ContractChecks.Operands(this, op, In(inputName, input, shape.Length), In("bias", bias, shape.C), In("logScale", logScale, shape.C),
                                Out(outputName, output, shape.Length));
    }

    public void ActNormBackward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                                DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape)
    {
        const string name = nameof(ActNormBackward);
        ContractChecks.Shape(name, "shape", shape);
        int l = shape.Length, c = shape.C;
        ContractChecks.Operands(this, name, In("x", x, l), In("bias", bias, c), In("logScale", logScale, c), In("dy", dy, l),
                                Out("dx", dx, l), Out("dbias", dbias, c), Out("dlogScale", dlogScale, c));
        ActNormBackwardCore(x, bias, logScale, dy, dx, dbias, dlogScale, shape);
    }

    public void Conv1x1(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight = false)
    {
        const string name = nameof(Conv1x1);
        ContractChecks.Shape(name, "shape", shape);
        ContractChecks.Operands(this, name, In("x", x, shape.Length), In("weight", weight, shape.C * shape.C), Out("y", y, shape.Length));
        Conv1x1Core(x, weight, y, shape, transposeWeight);
    }

    // ---- optimizers -----------------------------------------------------------------------------------

    public void AdamStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings)
    {
        const string name = nameof(AdamStep);
        ContractChecks.Count(name, "count", count);
        if (settings.Step < 1) throw ContractChecks.Bad(name, "step must be 1 or more", "≥ 1", settings.Step);
        ContractChecks.Operands(this, name, Out("parameter", parameter, count), In("gradient", gradient, count), Out("m", m, count),
                                Out("v", v, count));
        if (count > 0) AdamStepCore(parameter, gradient, m, v, count, settings);
    }

    public void RmsPropStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings)
    {
        const string name = nameof(RmsPropStep);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Operands(this, name, Out("parameter", parameter, count), In("gradient", gradient, count),
                                Out("squareAverage", squareAverage, count));
        if (count > 0) RmsPropStepCore(parameter, gradient, squareAverage, count, settings);
    }

    public void AdamStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings,
                                float decay, StepGuard guard)
    {
        const string name = nameof(AdamStepGuarded);
        ContractChecks.Count(name, "count", count);
        if (settings.Step < 1) throw ContractChecks.Bad(name, "step must be 1 or more", "≥ 1", settings.Step);
        ContractChecks.Slot(name, "guard.Group", guard.Group);
        ContractChecks.Operands(this, name, Out("parameter", parameter, count), In("gradient", gradient, count), Out("m", m, count),
                                Out("v", v, count), In("guard.Coefficients", guard.Coefficients, guard.Group + 1), In("guard.Flag", guard.Flag, 1));
        if (count > 0) AdamStepGuardedCore(parameter, gradient, m, v, count, settings, decay, guard);
    }

    public void RmsPropStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings,
                                   StepGuard guard)
    {
        const string name = nameof(RmsPropStepGuarded);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Slot(name, "guard.Group", guard.Group);
        ContractChecks.Operands(this, name, Out("parameter", parameter, count), In("gradient", gradient, count),
                                Out("squareAverage", squareAverage, count), In("guard.Coefficients", guard.Coefficients, guard.Group + 1),
                                In("guard.Flag", guard.Flag, 1));
        if (count > 0) RmsPropStepGuardedCore(parameter, gradient, squareAverage, count, settings, guard);
    }

    // ---- random numbers -------------------------------------------------------------------------------

    public void FillUniform(DeviceBuffer destination, int count, ulong seed, ulong offset)
    {
        ContractChecks.Count(nameof(FillUniform), "count", count);
        ContractChecks.Operands(this, nameof(FillUniform), Out("destination", destination, count));
        if (count > 0) FillUniformCore(destination, count, seed, offset);
    }

    public void FillUniformCounted(DeviceBuffer destination, int count, ulong seed, DeviceBuffer counter)
    {
        ContractChecks.Count(nameof(FillUniformCounted), "count", count);
        ContractChecks.Operands(this, nameof(FillUniformCounted), Out("destination", destination, count), Out("counter", counter, DeviceCounter.Length));
        if (count > 0) FillUniformCountedCore(destination, count, seed, counter);
    }

    public void FillNormal(DeviceBuffer destination, int count, ulong seed, ulong offset)
    {
        ContractChecks.Count(nameof(FillNormal), "count", count);
        ContractChecks.Operands(this, nameof(FillNormal), Out("destination", destination, count));
        if (count > 0) FillNormalCore(destination, count, seed, offset);
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }
}

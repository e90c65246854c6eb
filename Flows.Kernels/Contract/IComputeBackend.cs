namespace Flows.Kernels;

/// <summary>
/// The compute contract: every primitive the engine needs. Two implementations exist (managed CPU and
/// ILGPU kernels) and must agree element for element within float tolerance.
///
/// Conventions for every method:
/// - All buffers are dense, row-major, float32, and belong to this backend.
/// - Outputs are overwritten, never accumulated, unless the method says so.
/// - Inputs and outputs never alias unless the method says so (only Unary and Binary may run in place).
/// - Every argument is validated, in one place for both backends (CheckedComputeBackend, ContractChecks):
///   ObjectDisposedException for a disposed backend or buffer, ArgumentException naming the op, the parameter
///   and the sizes ("Op: what is wrong (expected X, got Y)") for everything else. A zero count does nothing.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>"cpu", "cuda" or "ilgpu-cpu".</summary>
    string Name { get; }

    /// <summary>A human-readable description of the device (processor or GPU model).</summary>
    string DeviceDescription { get; }

    // ---- memory -------------------------------------------------------------------------------------

    /// <summary>A buffer of exactly <paramref name="length"/> floats from the pool; contents undefined.</summary>
    DeviceBuffer Allocate(int length);

    /// <summary>What the buffer pool holds now (docs/PERFORMANCE.md, "Memory").</summary>
    BufferPoolStatistics PoolStatistics { get; }

    /// <summary>The most free bytes the pool keeps (beyond it, the buffers returned longest ago are released). Setting it trims.</summary>
    long PoolRetainLimitBytes { get; set; }

    /// <summary>Releases every free buffer of the pool (between the phases of a job); live buffers are untouched.</summary>
    void TrimPool();

    /// <summary>Starts a new peak of <see cref="BufferPoolStatistics.PeakLiveBytes"/> from the live bytes now.</summary>
    void ResetPeakLiveBytes();

    void Upload(ReadOnlySpan<float> source, DeviceBuffer destination);

    /// <summary>Copies the first destination.Length elements of the buffer to the host.</summary>
    void Download(DeviceBuffer source, Span<float> destination);

    void Fill(DeviceBuffer destination, float value);

    /// <summary>destination[0..count) = source[0..count).</summary>
    void Copy(DeviceBuffer source, DeviceBuffer destination, int count);

    /// <summary>Waits until all queued work is done (a no-op on the CPU).</summary>
    void Synchronize();

    // ---- element-wise ---------------------------------------------------------------------------------

    /// <summary>y[i] = f(x[i]) for i &lt; count. x and y may be the same buffer.</summary>
    void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, int count, float alpha = 0f);

    /// <summary>dx[i] = dy[i]·f'(x[i]), where y = f(x) is also given (Tanh, Sigmoid, Exp, Sqrt use y).</summary>
    void UnaryBackward(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, int count, float alpha = 0f);

    /// <summary>
    /// Glow's highway gate, fused: y[i] = a[i]·g + h[i]·(1 − g) with g = sigmoid(t[i]), for i &lt; count. One pass
    /// instead of a sigmoid and four products and sums over the activation.
    /// </summary>
    void HighwayGate(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer y, int count);

    /// <summary>The gate's gradients: da = dy·g, dt = dy·(a − h)·g·(1 − g), dh = dy·(1 − g).</summary>
    void HighwayGateBackward(DeviceBuffer a, DeviceBuffer t, DeviceBuffer h, DeviceBuffer dy,
                             DeviceBuffer da, DeviceBuffer dt, DeviceBuffer dh, int count);

    /// <summary>
    /// c = a ∘ b with broadcasting; c has shape Ncs.Broadcast(aShape, bShape). c may be the same buffer as a
    /// when aShape is the result shape (an in-place update such as adding a bias).
    /// </summary>
    void Binary(BinaryOp op, DeviceBuffer a, Ncs aShape, DeviceBuffer b, Ncs bShape, DeviceBuffer c);

    /// <summary>y[i] += alpha·x[i] for i &lt; count (gradient accumulation).</summary>
    void Axpy(float alpha, DeviceBuffer x, DeviceBuffer y, int count);

    // ---- reductions -----------------------------------------------------------------------------------

    /// <summary>
    /// Sums x over every axis where yShape has size 1 (and xShape does not): the total, per sample (N,1,1),
    /// per channel (1,C,1), and so on. Each yShape axis is either 1 or equal to xShape's.
    /// </summary>
    void SumTo(DeviceBuffer x, Ncs xShape, DeviceBuffer y, Ncs yShape);

    /// <summary>Per-channel mean and biased variance over (N, S): mean and variance have C elements.</summary>
    void ChannelMoments(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer variance);

    /// <summary>Σ x[i]² for i &lt; count, returned to the host (one synchronization).</summary>
    double SumOfSquares(DeviceBuffer x, int count);

    /// <summary>
    /// sums[slot] += Σ x[i]² for i &lt; count, kept on the device (no host read): the gradient-clipping norms of a
    /// training step without a synchronisation (docs/PERFORMANCE.md, "Host synchronisations per step").
    /// </summary>
    void SumOfSquaresInto(DeviceBuffer x, int count, DeviceBuffer sums, int slot);

    /// <summary>
    /// For each group k &lt; groups: coefficients[k] = min(1, maxNorms[k] / (√sums[k] + 1e-6)) (clip_grad_norm_; a
    /// maximum of +∞ never clips), and flag[0] = 1 where a norm √sums[k] is NaN or infinite.
    /// </summary>
    void ClipCoefficients(DeviceBuffer sums, DeviceBuffer maxNorms, int groups, DeviceBuffer coefficients, DeviceBuffer flag);

    /// <summary>flag[0] = 1 when any x[i], i &lt; count, is NaN or infinite; otherwise flag is left as it is (an OR).</summary>
    void FlagNonFinite(DeviceBuffer x, int count, DeviceBuffer flag);

    // ---- layout ---------------------------------------------------------------------------------------

    /// <summary>
    /// For every sample n and each of <paramref name="count"/> channels k:
    /// dst[n, dstOffset + k, :] = src[n, srcOffset + k, :], where src has srcChannels channels and dst has
    /// dstChannels, both with <paramref name="spatial"/> elements per channel. Concat and split are built on it.
    /// </summary>
    void CopyChannels(DeviceBuffer source, int sourceChannels, int sourceOffset,
                      DeviceBuffer destination, int destinationChannels, int destinationOffset,
                      int count, int batch, int spatial);

    /// <summary>(N, C, H, W) → (N, 4C, H/2, W/2) with output channel 4c + 2dy + dx (the paper's order). H, W even.</summary>
    void Squeeze2x2(DeviceBuffer x, DeviceBuffer y, int batch, int channels, int height, int width);

    /// <summary>The exact inverse of Squeeze2x2: y (N, 4C, H/2, W/2) → x (N, C, H, W).</summary>
    void Unsqueeze2x2(DeviceBuffer y, DeviceBuffer x, int batch, int channels, int height, int width);

    // ---- dense linear algebra -------------------------------------------------------------------------

    /// <summary>
    /// C (m×n) = op(A) (m×k) · op(B) (k×n), where op transposes when asked (A is then stored k×m, B n×k).
    /// With accumulate, C += op(A)·op(B).
    /// </summary>
    void MatMul(DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, int m, int k, int n,
                bool transposeA = false, bool transposeB = false, bool accumulate = false);

    /// <summary>y = conv(x, w) + bias (bias per output channel, may be null).</summary>
    void Conv2dForward(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer? bias, DeviceBuffer y, ConvGeometry g);

    /// <summary>dx = the gradient of Σ dy·conv(x, w) with respect to x.</summary>
    void Conv2dBackwardData(DeviceBuffer dy, DeviceBuffer weight, DeviceBuffer dx, ConvGeometry g);

    /// <summary>dw = the gradient of Σ dy·conv(x, w) with respect to w. The bias gradient is SumTo over (N, S).</summary>
    void Conv2dBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, ConvGeometry g);

    /// <summary>
    /// dw as <see cref="Conv2dBackwardWeight"/> and the bias gradient db[c] = Σ over (n, oy, ox) of dy[n, c, oy, ox] in the
    /// same pass (docs/PERFORMANCE.md, "Launches and host synchronisations per step"): on a GPU the bias is one more
    /// column of the weight-gradient product, so a biased convolution's backward needs no reduction launch of its own.
    /// </summary>
    void Conv2dBackwardWeightAndBias(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, ConvGeometry g);

    // ---- pooling --------------------------------------------------------------------------------------

    /// <summary>
    /// y[n, c, oy, ox] = the maximum of x over the window of output (oy, ox) (see <see cref="PoolGeometry"/>;
    /// padded cells never win). A NaN in a window makes its output NaN.
    /// </summary>
    void MaxPool2dForward(DeviceBuffer x, DeviceBuffer y, PoolGeometry g);

    /// <summary>
    /// dx (overwritten) = the gradient of Σ dy·maxpool(x): each window's dy goes to the first element of its
    /// window, in row-major order, that equals y (the first maximum, as PyTorch routes it); windows that overlap
    /// add up. y is the forward's output for this x.
    /// </summary>
    void MaxPool2dBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx, PoolGeometry g);

    // ---- normalization --------------------------------------------------------------------------------

    /// <summary>
    /// y = (x − mean_c)·invStd_c·gamma_c + beta_c. mean, invStd, gamma, beta have C elements. With relu, y is
    /// passed through ReLU in the same pass (RealNVP's BN → ReLU → conv).
    /// </summary>
    void BatchNormApply(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer beta,
                        DeviceBuffer y, Ncs shape, bool relu = false);

    /// <summary>
    /// Gradients of BatchNormApply. With batchStatistics (training mode) mean and invStd are functions of x
    /// (biased variance over N·S), and dx includes that path; otherwise dx = dy·gamma·invStd. Given the output
    /// of a fused BN + ReLU (reluOutput), dy counts only where that output is positive (the ReLU's gradient).
    /// </summary>
    void BatchNormBackward(DeviceBuffer x, DeviceBuffer mean, DeviceBuffer invStd, DeviceBuffer gamma, DeviceBuffer dy,
                           DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta, Ncs shape, bool batchStatistics,
                           DeviceBuffer? reluOutput = null);

    // ---- flow layers ----------------------------------------------------------------------------------

    /// <summary>
    /// The fused affine coupling on its transformed part (docs/MODELS.md §4.5). With m = mask[c, s] (1 where the
    /// element is transformed; a null mask means all ones), s = m·scale_c·tanh(raw), t' = m·t:
    /// y = (x + t')·exp(s) and logdet[n] = Σ_{c,s} s. mask has C·S elements, scale has C.
    /// </summary>
    void CouplingForward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                         DeviceBuffer y, DeviceBuffer logdet, Ncs shape);

    /// <summary>The inverse: x = y·exp(−s) − t', logdet[n] = −Σ s.</summary>
    void CouplingInverse(DeviceBuffer y, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                         DeviceBuffer x, DeviceBuffer logdet, Ncs shape);

    /// <summary>
    /// Gradients of CouplingForward given dy and dlogdet (N elements): dx, draw, dt (all N·C·S) and dscale (C).
    /// </summary>
    void CouplingBackward(DeviceBuffer x, DeviceBuffer raw, DeviceBuffer t, DeviceBuffer scale, DeviceBuffer? mask,
                          DeviceBuffer dy, DeviceBuffer dlogdet,
                          DeviceBuffer dx, DeviceBuffer draw, DeviceBuffer dt, DeviceBuffer dscale, Ncs shape);

    /// <summary>Glow's ActNorm: y = (x + bias_c)·exp(logScale_c). Its log-determinant S·Σ logScale is the caller's.</summary>
    void ActNormForward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer y, Ncs shape);

    /// <summary>x = y·exp(−logScale_c) − bias_c.</summary>
    void ActNormInverse(DeviceBuffer y, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer x, Ncs shape);

    /// <summary>Gradients of ActNormForward through y (not through the log-determinant): dx, dbias (C), dlogScale (C).</summary>
    void ActNormBackward(DeviceBuffer x, DeviceBuffer bias, DeviceBuffer logScale, DeviceBuffer dy,
                         DeviceBuffer dx, DeviceBuffer dbias, DeviceBuffer dlogScale, Ncs shape);

    /// <summary>The invertible 1×1 convolution: y[n, :, s] = W · x[n, :, s] with W (C×C). Use the transposed W for backward.</summary>
    void Conv1x1(DeviceBuffer x, DeviceBuffer weight, DeviceBuffer y, Ncs shape, bool transposeWeight = false);

    // ---- optimizers -----------------------------------------------------------------------------------

    /// <summary>In-place Adam update of count parameters with first and second moments m and v.</summary>
    void AdamStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings);

    /// <summary>In-place RMSprop update with the running square average.</summary>
    void RmsPropStep(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings);

    /// <summary>
    /// <see cref="AdamStep"/> on the gradient times guard.Coefficients[guard.Group], after θ ← decay·θ (AdamW's decoupled
    /// decay; 1 for none); nothing at all changes while guard.Flag[0] is not 0 (a diverged step leaves the weights alone).
    /// </summary>
    void AdamStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer m, DeviceBuffer v, int count, AdamSettings settings,
                         float decay, StepGuard guard);

    /// <summary><see cref="RmsPropStep"/> on the gradient times guard.Coefficients[guard.Group]; nothing changes while guard.Flag[0] is not 0.</summary>
    void RmsPropStepGuarded(DeviceBuffer parameter, DeviceBuffer gradient, DeviceBuffer squareAverage, int count, RmsPropSettings settings,
                            StepGuard guard);

    // ---- multi-tensor optimizers (docs/PERFORMANCE.md, "Multi-tensor optimizers") -----------------------

    /// <summary>
    /// Buffers of the given lengths allocated together (<see cref="PackedBuffers"/>): on a GPU adjacent views of one
    /// allocation, so that the multi-tensor ops below cover a whole parameter group in one launch.
    /// </summary>
    PackedBuffers AllocatePacked(ReadOnlySpan<int> lengths);

    /// <summary>
    /// For each group k &lt; groups: sums[k] = Σ over the members i with groupOf[i] = k of Σ x[i][j]² for j &lt; counts[i]
    /// (written, not added; 0 for a group without members): every group's clipping norm in one call, on the device.
    /// </summary>
    void SumOfSquaresMulti(ReadOnlySpan<DeviceBuffer> x, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, DeviceBuffer sums);

    /// <summary>
    /// <see cref="AdamStepGuarded"/> over every member i at once: group k = groupOf[i] takes its step size, bias
    /// correction, weight decay and decoupled decay from guard.Scalars (<see cref="StepScalars"/>) and its clip
    /// coefficient from guard.Coefficients[k]; nothing changes while guard.Flag[0] is not 0. Each element is computed
    /// exactly as the per-tensor op computes it.
    /// </summary>
    void AdamStepMulti(ReadOnlySpan<DeviceBuffer> parameters, ReadOnlySpan<DeviceBuffer> gradients, ReadOnlySpan<DeviceBuffer> m,
                       ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups,
                       float beta1, float beta2, float epsilon, MultiStepGuard guard);

    /// <summary><see cref="RmsPropStepGuarded"/> over every member at once, the learning rate and weight decay from guard.Scalars.</summary>
    void RmsPropStepMulti(ReadOnlySpan<DeviceBuffer> parameters, ReadOnlySpan<DeviceBuffer> gradients, ReadOnlySpan<DeviceBuffer> squareAverage,
                          ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, float alpha, float epsilon, MultiStepGuard guard);

    // ---- random numbers -------------------------------------------------------------------------------

    /// <summary>destination[i] = CounterRng.Uniform(seed, offset + i) for i &lt; count: uniform on [0, 1).</summary>
    void FillUniform(DeviceBuffer destination, int count, ulong seed, ulong offset);

    /// <summary>
    /// <see cref="FillUniform"/> at the offset c that counter holds (<see cref="DeviceCounter"/>), then counter ← c + count:
    /// the offset is read and advanced on the device, so a replayed step graph draws fresh numbers every step
    /// (docs/PERFORMANCE.md, "Streams and CUDA graphs").
    /// </summary>
    void FillUniformCounted(DeviceBuffer destination, int count, ulong seed, DeviceBuffer counter);

    /// <summary>destination[i] = CounterRng.Normal(seed, offset + i): standard normal.</summary>
    void FillNormal(DeviceBuffer destination, int count, ulong seed, ulong offset);

    // ---- fused layer passes (docs/PERFORMANCE.md, "Launches and host synchronisations per step") --------

    /// <summary>
    /// PyTorch's weight_norm (dim 0) in one pass: norms[r] = ‖v_r‖ over the rest elements of row r, and
    /// w = g_r·v/‖v_r‖ (rows × rest elements).
    /// </summary>
    void WeightNormForward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer w, DeviceBuffer norms, int rows, int rest);

    /// <summary>
    /// Its gradients from dw, in one pass: with s_r = Σ v·dw over row r, dg_r = s_r/‖v_r‖ and
    /// dv = (g_r/‖v_r‖)·(dw − v·s_r/‖v_r‖²); norms are the forward's.
    /// </summary>
    void WeightNormBackward(DeviceBuffer g, DeviceBuffer v, DeviceBuffer norms, DeviceBuffer dw, DeviceBuffer dg, DeviceBuffer dv,
                            int rows, int rest);

    /// <summary>
    /// BatchNorm's training statistics in one pass: the batch mean and invStd = 1/√(var + epsilon) per channel (biased
    /// variance over N·S, as ChannelMoments), and the running statistics updated in place,
    /// running = (1 − momentum)·running + momentum·batch, with the unbiased variance.
    /// </summary>
    void BatchNormStatistics(DeviceBuffer x, Ncs shape, DeviceBuffer mean, DeviceBuffer invStd,
                             DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float epsilon);

    /// <summary>
    /// log|det W| of the n×n matrix W (row-major) into logAbsDet[0] and W⁻ᵀ (its gradient) into inverseTranspose, by
    /// Gauss–Jordan elimination with partial pivoting on the device (no host read); lu is n·n scratch. A singular W
    /// gives −∞ (and a non-finite inverse), which the step's non-finite flag catches.
    /// </summary>
    void LogAbsDeterminant(DeviceBuffer weight, int n, DeviceBuffer logAbsDet, DeviceBuffer inverseTranspose, DeviceBuffer lu);

    // ---- Glow's fused step ops (docs/PERFORMANCE.md, "Launches and host synchronisations per step") -------

    /// <summary>
    /// y[i] = addend[i] (0 without one) + factor·Σ_{j&lt;count} x[j] for i &lt; length, one launch: a per-sample
    /// log-determinant from a layer's parameters (ActNorm's S·Σ logs, the 1×1 convolution's S·log|det W|). Its backward
    /// is the same op with the roles swapped: dx[j] = factor·Σ_i dy[i].
    /// </summary>
    void BroadcastScaledSum(DeviceBuffer x, int count, float factor, DeviceBuffer? addend, DeviceBuffer y, int length);

    /// <summary>
    /// The affine coupling with a channel-wise mask on the whole tensor (docs/MODELS.md §4.5), without the split
    /// and concatenation around it: channels [changeOffset, changeOffset + C/2) of input are transformed with
    /// raw = st channels [0, C/2) and t = st channels [C/2, C), s = scale_c·tanh(raw); the other half is copied.
    /// Forward y = (x + t)·eˢ, logdet[n] = addend[n] + Σ s; inverse x = y·e⁻ˢ − t, logdet[n] = addend[n] − Σ s (a null
    /// addend is 0: the addend is the log-det of the layers before, so a Glow step sums its three in place). input, st
    /// and output are N·C·S (shape), scale has C/2 elements, addend N, changeOffset is 0 or C/2.
    /// </summary>
    void ChannelCouplingForward(DeviceBuffer input, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer? addend, DeviceBuffer output,
                                DeviceBuffer logdet, Ncs shape, int changeOffset, bool inverse);

    /// <summary>
    /// Gradients of ChannelCouplingForward (forward direction) from dy and dlogdet (N): dx (the copied half gets dy),
    /// dst (draw then dt, as st) and dscale (C/2).
    /// </summary>
    void ChannelCouplingBackward(DeviceBuffer x, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer dy, DeviceBuffer dlogdet,
                                 DeviceBuffer dx, DeviceBuffer dst, DeviceBuffer dscale, Ncs shape, int changeOffset);

    /// <summary>
    /// destination[n, destinationOffset + c, s] += source[n, c, s] for c &lt; count: a narrow's gradient added straight into
    /// the gradient its input already has (the coupling's identity half), one launch where zero-fill, copy and axpy took three.
    /// source is batch·count·spatial, destination batch·destinationChannels·spatial.
    /// </summary>
    void AddChannels(DeviceBuffer source, int count, DeviceBuffer destination, int destinationChannels, int destinationOffset,
                     int batch, int spatial);
}

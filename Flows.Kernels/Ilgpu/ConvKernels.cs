using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// 2-D convolution (NCHW, stride S, zero padding) as implicit GEMM on <see cref="GemmKernels"/>; im2col is
/// never materialised, the B operand computes its element from (channel, tap) × (image, pixel) on the fly.
///   Forward         y (Cout × B·OH·OW) = W (Cout × Cin·K·K) · im2col(x, stride S) + bias
///   Backward-data   dx (Cin × B·H·W) = Wᵀflip (Cin × Cout·K·K) · im2col(dilate(dy, S), pad K−1−P): the gradient
///                   of a correlation is the correlation of dy with the transposed, spatially flipped kernel;
///                   for S &gt; 1, of dy with S − 1 zeros between pixels (read as zeros, never stored). Its
///                   rows past the last window (when S does not divide H + 2P − K) come out 0, as they should.
///                   The GEMM still steps over the inserted zeros ((S² − 1)/S² of its k loop at S = 2): simple
///                   and correct first; a per-phase split (S² stride-1 GEMMs) is the known faster form.
///                   The flipped weights are written to a pooled scratch buffer by one small kernel.
///   Backward-weight dW (Cout × Cin·K·K) = dy (Cout × B·OH·OW) · im2col(x)ᵀ, split over K = B·OH·OW.
///   Conv1x1         y[n, :, s] = W · x[n, :, s] for every n as one GEMM over N·S columns (Glow's invertible 1×1).
/// Versions are those of GemmKernels: v1 one thread per output (the classic direct convolution loop),
/// v2 shared-memory tiles; v3 (<see cref="ConvKernelsV3"/>) index tables, 128×128 tiles of 8×8 register blocks,
/// double-buffered staging, split-K and a 1×1 path. All three are validated by the tests and by gpu-check.
/// </summary>
internal sealed class ConvKernels
{
    private const int MaxSplits = 64;

    // A K-split part shorter than this does not pay for the second launch that sums the parts: at K = 392 (Glow's
    // 14×14 level at batch 2) two halves of 196 save less than the summing launch costs (docs/PERFORMANCE.md,
    // "Launches and host synchronisations per step"). It was 64 before.
    private const int MinKPerSplit = 256;
    private readonly GemmKernels _gemm;
    private readonly IlgpuBufferPool _pool;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> _flipTranspose;
    private readonly ConvKernelsV3 _v3;
    private readonly ConvBiasGradientKernels _withBias;

    public ConvKernels(Accelerator accelerator, GemmKernels gemm, IlgpuBufferPool pool)
    {
        _gemm = gemm;
        _pool = pool;
        _targetGroups = Math.Max(2 * accelerator.NumMultiprocessors, 2);
        _flipTranspose = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(FlipTransposeKernel));
        gemm.Load<WeightsA, Im2ColB, ConvOutputStore>();
        gemm.Load<OutputGradientA, Im2ColTransposedB, MatrixStore>();
        gemm.Load<OutputGradientA, Im2ColTransposedB, SplitStore>();
        gemm.Load<MatrixA, ChannelColumnsB, ConvOutputStore>();
        GemmV3 = new GemmKernelsV3(accelerator);
        _v3 = new ConvKernelsV3(accelerator, GemmV3, gemm, pool);
        _withBias = new ConvBiasGradientKernels(accelerator, gemm, pool);
    }

    /// <summary>The v3 GEMM (also the backend's MatMul at version 3).</summary>
    public GemmKernelsV3 GemmV3 { get; }

    /// <summary>How many groups backward-weight (v2) and every v3 product should launch before splitting K stops paying.</summary>
    public int TargetGroups
    {
        get => _targetGroups;
        set
        {
            _targetGroups = value;
            _v3.TargetGroups = value;
        }
    }

    private int _targetGroups;

    public void Forward(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, bool hasBias, ArrayView<float> y, ConvGeometry g, int version)
    {
        if (version == 3)
        {
            _v3.Forward(x, weight, bias, hasBias, y, g);
            return;
        }
        int taps = g.InChannels * g.KernelSize * g.KernelSize;
        var a = new WeightsA { W = weight, Columns = taps };
        var b = new Im2ColB
        {
            Input = x, InC = g.InChannels, InH = g.Height, InW = g.Width,
            OutH = g.OutHeight, OutW = g.OutWidth, Kernel = g.KernelSize, Pad = g.Padding, Stride = g.Stride, Dilation = 1,
        };
        var store = new ConvOutputStore { Output = y, Bias = bias, HasBias = hasBias ? 1 : 0, Channels = g.OutChannels, Spatial = g.OutHeight * g.OutWidth };
        _gemm.Run(a, b, store, g.OutChannels, g.Batch * g.OutHeight * g.OutWidth, taps, version);
    }

    public void BackwardData(ArrayView<float> dy, ArrayView<float> weight, ArrayView<float> dx, ConvGeometry g, int version)
    {
        if (version == 3)
        {
            _v3.BackwardData(dy, weight, dx, g);
            return;
        }
        int k2 = g.KernelSize * g.KernelSize;
        using var flipped = _pool.Rent(g.WeightLength);
        _flipTranspose(g.WeightLength, weight, flipped.View, g.OutChannels, g.InChannels, g.KernelSize);
        var a = new WeightsA { W = flipped.View, Columns = g.OutChannels * k2 };
        var b = new Im2ColB
        {
            Input = dy, InC = g.OutChannels, InH = g.OutHeight, InW = g.OutWidth,
            OutH = g.Height, OutW = g.Width, Kernel = g.KernelSize, Pad = g.KernelSize - 1 - g.Padding,
            Stride = 1, Dilation = g.Stride,
        };
        var store = new ConvOutputStore { Output = dx, Bias = default, HasBias = 0, Channels = g.InChannels, Spatial = g.Height * g.Width };
        _gemm.Run(a, b, store, g.InChannels, g.Batch * g.Height * g.Width, g.OutChannels * k2, version);
    }

    public void BackwardWeight(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ConvGeometry g, int version)
    {
        if (version == 3)
        {
            _v3.BackwardWeight(x, dy, dw, g);
            return;
        }
        int m = g.OutChannels, n = g.InChannels * g.KernelSize * g.KernelSize;
        int k = g.Batch * g.OutHeight * g.OutWidth;
        var a = new OutputGradientA { Dy = dy, Channels = g.OutChannels, Spatial = g.OutHeight * g.OutWidth };
        var b = new Im2ColTransposedB
        {
            Columns = new Im2ColB
            {
                Input = x, InC = g.InChannels, InH = g.Height, InW = g.Width,
                OutH = g.OutHeight, OutW = g.OutWidth, Kernel = g.KernelSize, Pad = g.Padding, Stride = g.Stride, Dilation = 1,
            },
        };
        int tiles = ((m + GemmKernels.TileM - 1) / GemmKernels.TileM) * ((n + GemmKernels.TileN - 1) / GemmKernels.TileN);
        int splits = version == 1 ? 1 : Math.Clamp(Math.Min((TargetGroups + tiles - 1) / tiles, k / MinKPerSplit), 1, MaxSplits);
        splits = GemmKernels.SplitsUsed(k, splits);
        if (splits == 1)
        {
            _gemm.Run(a, b, new MatrixStore { Data = dw, N = n, Accumulate = 0 }, m, n, k, version);
            return;
        }
        using var partials = _pool.Rent(splits * m * n);
        _gemm.Run(a, b, new SplitStore { Partials = partials.View, N = n, Count = m * n }, m, n, k, version, splits);
        _gemm.SumSplits(partials.View, dw, m * n, splits);
    }

    /// <summary>Backward-weight with the bias gradient as one more product column (<see cref="ConvBiasGradientKernels"/>; v1, v2).</summary>
    public void BackwardWeightAndBias(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db, ConvGeometry g, int version) =>
        _withBias.Run(x, dy, dw, db, g, version, TargetGroups);

    public void Conv1x1(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> y, Ncs shape, bool transposeWeight, int version)
    {
        if (version == 3)
        {
            _v3.Conv1x1(x, weight, y, shape, transposeWeight);
            return;
        }
        var a = new MatrixA { Data = weight, M = shape.C, K = shape.C, Transposed = transposeWeight ? 1 : 0 };
        var b = new ChannelColumnsB { X = x, Channels = shape.C, Spatial = shape.S };
        var store = new ConvOutputStore { Output = y, Bias = default, HasBias = 0, Channels = shape.C, Spatial = shape.S };
        _gemm.Run(a, b, store, shape.C, shape.N * shape.S, shape.C, version);
    }

    /// <summary>flipped[ci, co, kh, kw] = w[co, ci, K−1−kh, K−1−kw].</summary>
    private static void FlipTransposeKernel(Index1D index, ArrayView<float> w, ArrayView<float> flipped, int outChannels, int inChannels, int kernel)
    {
        int i = index;
        int kw = i % kernel, kh = i / kernel % kernel;
        int co = i / (kernel * kernel) % outChannels;
        int ci = i / (kernel * kernel * outChannels);
        flipped[i] = w[((co * inChannels + ci) * kernel + kernel - 1 - kh) * kernel + kernel - 1 - kw];
    }
}

/// <summary>Weights (M = output channels) × (K = input channel, tap) stored row-major.</summary>
internal struct WeightsA : IGemmA
{
    public ArrayView<float> W;
    public int Columns;

    public float Load(int m, int k) => W[m * Columns + k];
}

/// <summary>
/// Implicit im2col: element (k = (ci, kh, kw), n = (b, oh, ow)) is input[b, ci, oh·S + kh − pad, ow·S + kw − pad]
/// or 0 outside. With Dilation D &gt; 1 the input is read as if D − 1 zeros sat between its pixels (position t
/// holds input[t / D] when D divides t, else 0): backward-data of a stride-D convolution is the stride-1
/// correlation of that dilated dy with the flipped kernel, gathered here without materialising the zeros.
/// </summary>
internal struct Im2ColB : IGemmB
{
    public ArrayView<float> Input;
    public int InC, InH, InW, OutH, OutW, Kernel, Pad, Stride, Dilation;

    public float Load(int k, int n)
    {
        int kw = k % Kernel, kh = k / Kernel % Kernel, ci = k / (Kernel * Kernel);
        int ow = n % OutW, oh = n / OutW % OutH, b = n / (OutW * OutH);
        int ih = oh * Stride + kh - Pad, iw = ow * Stride + kw - Pad;
        if (Dilation != 1)
        {
            if (ih < 0 || iw < 0 || ih % Dilation != 0 || iw % Dilation != 0) return 0f;
            ih /= Dilation;
            iw /= Dilation;
        }
        return (uint)ih < (uint)InH && (uint)iw < (uint)InW ? Input[((b * InC + ci) * InH + ih) * InW + iw] : 0f;
    }
}

/// <summary>im2col transposed: element (k = (b, oh, ow), n = (ci, kh, kw)), for the weight gradient.</summary>
internal struct Im2ColTransposedB : IGemmB
{
    public Im2ColB Columns;

    public float Load(int k, int n) => Columns.Load(n, k);
}

/// <summary>The output gradient as a (Cout) × (b, pixel) matrix.</summary>
internal struct OutputGradientA : IGemmA
{
    public ArrayView<float> Dy;
    public int Channels, Spatial;

    public float Load(int m, int k) => Dy[(k / Spatial * Channels + m) * Spatial + k % Spatial];
}

/// <summary>x (N, C, S) as a C × (N·S) matrix: column j = (n, s).</summary>
internal struct ChannelColumnsB : IGemmB
{
    public ArrayView<float> X;
    public int Channels, Spatial;

    public float Load(int k, int j) => X[(j / Spatial * Channels + k) * Spatial + j % Spatial];
}

/// <summary>Result (m = channel, n = (b, pixel)) into an NCHW tensor, plus an optional per-channel bias.</summary>
internal struct ConvOutputStore : IGemmStore
{
    public ArrayView<float> Output, Bias;
    public int HasBias, Channels, Spatial;

    public void Store(int m, int n, int split, float value) =>
        Output[(n / Spatial * Channels + m) * Spatial + n % Spatial] = HasBias != 0 ? value + Bias[m] : value;
}

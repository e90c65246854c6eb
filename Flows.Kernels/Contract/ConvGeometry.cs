namespace Flows.Kernels;

/// <summary>
/// A 2-D convolution in NCHW layout with zero padding and a stride. Weights are (OutChannels, InChannels,
/// KernelSize, KernelSize). Output pixel (oy, ox) reads input rows oy·Stride + ky − Padding (and likewise for
/// columns), so OutHeight = ⌊(H + 2P − K) / S⌋ + 1 as in PyTorch and ONNX. Padding = KernelSize / 2 with
/// stride 1 keeps the spatial size ("same"). Stride is last so that every stride-1 construction stays as it was.
/// </summary>
public readonly record struct ConvGeometry(
    int Batch, int InChannels, int Height, int Width, int OutChannels, int KernelSize, int Padding, int Stride = 1)
{
    public static ConvGeometry Same(int batch, int inChannels, int height, int width, int outChannels, int kernelSize) =>
        new(batch, inChannels, height, width, outChannels, kernelSize, kernelSize / 2);

    public int OutHeight => OutSize(Height);
    public int OutWidth => OutSize(Width);
    public int InputLength => Batch * InChannels * Height * Width;
    public int OutputLength => Batch * OutChannels * OutHeight * OutWidth;
    public int WeightLength => OutChannels * InChannels * KernelSize * KernelSize;

    /// <summary>Multiply-adds counted as two FLOPs, as direct convolution performs them.</summary>
    public double Flops => 2.0 * Batch * OutChannels * OutHeight * OutWidth * InChannels * KernelSize * KernelSize;

    /// <summary>
    /// Floor division, so a window larger than the padded input gives a size ≤ 0 (C#'s division truncates
    /// toward zero and would report one output row). A non-positive stride counts as 1 here; Validate rejects it.
    /// </summary>
    private int OutSize(int size)
    {
        int span = size + 2 * Padding - KernelSize;
        int stride = Math.Max(1, Stride);
        return (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
    }

    /// <summary>Throws ArgumentException, in the contract's message style, naming <paramref name="op"/>.</summary>
    public void Validate(string op = "Conv2d")
    {
        if (Batch <= 0 || InChannels <= 0 || Height <= 0 || Width <= 0 || OutChannels <= 0)
            throw ContractChecks.Bad(op, "every size must be positive", "Batch, InChannels, Height, Width, OutChannels ≥ 1", this);
        if (KernelSize <= 0 || KernelSize % 2 == 0)
            throw ContractChecks.Bad(op, "kernel size must be odd and positive", "1, 3, 5, …", KernelSize);
        if (Stride < 1)
            throw ContractChecks.Bad(op, "stride must be 1 or more", "≥ 1", Stride);
        if (Padding < 0 || OutHeight <= 0 || OutWidth <= 0)
            throw ContractChecks.Bad(op, $"padding {Padding} with kernel {KernelSize} on {Height}x{Width} gives no output",
                                     "padding ≥ 0 and at least a 1x1 output", $"{OutHeight}x{OutWidth}");
    }
}

namespace Flows.Kernels;

/// <summary>
/// A 2-D convolution in NCHW layout with stride 1 and zero padding. Weights are (OutChannels, InChannels,
/// KernelSize, KernelSize). Padding = KernelSize / 2 keeps the spatial size ("same").
/// </summary>
public readonly record struct ConvGeometry(
    int Batch, int InChannels, int Height, int Width, int OutChannels, int KernelSize, int Padding)
{
    public static ConvGeometry Same(int batch, int inChannels, int height, int width, int outChannels, int kernelSize) =>
        new(batch, inChannels, height, width, outChannels, kernelSize, kernelSize / 2);

    public int OutHeight => Height + 2 * Padding - KernelSize + 1;
    public int OutWidth => Width + 2 * Padding - KernelSize + 1;
    public int InputLength => Batch * InChannels * Height * Width;
    public int OutputLength => Batch * OutChannels * OutHeight * OutWidth;
    public int WeightLength => OutChannels * InChannels * KernelSize * KernelSize;

    /// <summary>Multiply-adds counted as two FLOPs, as direct convolution performs them.</summary>
    public double Flops => 2.0 * Batch * OutChannels * OutHeight * OutWidth * InChannels * KernelSize * KernelSize;

    public void Validate()
    {
        if (Batch <= 0 || InChannels <= 0 || Height <= 0 || Width <= 0 || OutChannels <= 0)
            throw new ArgumentException($"conv2d: every size must be positive, got {this}");
        if (KernelSize <= 0 || KernelSize % 2 == 0)
            throw new ArgumentException($"conv2d: kernel size must be odd and positive, got {KernelSize}");
        if (Padding < 0 || OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"conv2d: padding {Padding} with kernel {KernelSize} on {Height}x{Width} gives no output");
    }
}

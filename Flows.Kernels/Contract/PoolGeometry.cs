namespace Flows.Kernels;

/// <summary>
/// A 2-D max-pool in NCHW layout with ONNX MaxPool / PyTorch MaxPool2d semantics: a KernelSize × KernelSize
/// window moved by Stride over the input padded by Padding on every side, where padded cells never win (they
/// act as −∞). Output pixel (oy, ox) covers input rows oy·S − P … oy·S − P + K − 1, so
/// OutHeight = ⌊(H + 2P − K) / S⌋ + 1 (floor, ceil_mode off). Padding &lt; KernelSize, so every window holds at
/// least one real pixel and no output is −∞.
/// </summary>
public readonly record struct PoolGeometry(
    int Batch, int Channels, int Height, int Width, int KernelSize, int Stride, int Padding)
{
    public int OutHeight => OutSize(Height);
    public int OutWidth => OutSize(Width);
    public int InputLength => Batch * Channels * Height * Width;
    public int OutputLength => Batch * Channels * OutHeight * OutWidth;

    /// <summary>Floor division (a window larger than the padded input gives ≤ 0); a stride below 1 counts as 1 here.</summary>
    private int OutSize(int size)
    {
        int span = size + 2 * Padding - KernelSize;
        int stride = Math.Max(1, Stride);
        return (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
    }

    public void Validate()
    {
        if (Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0)
            throw new ArgumentException($"maxPool2d: every size must be positive, got {this}");
        if (KernelSize <= 0)
            throw new ArgumentException($"maxPool2d: kernel size must be positive, got {KernelSize}");
        if (Stride < 1)
            throw new ArgumentException($"maxPool2d: stride must be 1 or more, got {Stride}");
        if (Padding < 0 || Padding >= KernelSize)
            throw new ArgumentException($"maxPool2d: padding must be in [0, kernel size {KernelSize}), got {Padding}");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"maxPool2d: a {KernelSize}x{KernelSize} window with padding {Padding} does not fit the {Height}x{Width} input");
    }
}

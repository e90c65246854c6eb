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

    /// <summary>Throws ArgumentException, in the contract's message style, naming <paramref name="op"/>.</summary>
    public void Validate(string op = "MaxPool2d")
    {
        if (Batch <= 0 || Channels <= 0 || Height <= 0 || Width <= 0)
            throw ContractChecks.Bad(op, "every size must be positive", "Batch, Channels, Height, Width ≥ 1", this);
        if (KernelSize <= 0)
            throw ContractChecks.Bad(op, "kernel size must be positive", "≥ 1", KernelSize);
        if (Stride < 1)
            throw ContractChecks.Bad(op, "stride must be 1 or more", "≥ 1", Stride);
        if (Padding < 0 || Padding >= KernelSize)
            throw ContractChecks.Bad(op, "padding must be below the kernel size", $"0 ≤ padding < {KernelSize}", Padding);
        if (OutHeight <= 0 || OutWidth <= 0)
            throw ContractChecks.Bad(op, $"a {KernelSize}x{KernelSize} window with padding {Padding} does not fit the {Height}x{Width} input",
                                     "at least a 1x1 output", $"{OutHeight}x{OutWidth}");
    }
}

namespace Flows.Core.Inspection;

/// <summary>One C×H×W image on the host (channel-planar, as a tensor's NCHW slice), ready for a figure.</summary>
public sealed record HostImage(float[] Data, int Channels, int Height, int Width)
{
    /// <summary>Sample <paramref name="index"/> of an [N, C, H, W] tensor, copied to the host.</summary>
    public static HostImage FromBatch(Tensor t, int index)
    {
        if (t.Rank != 4) throw new ArgumentException($"expected an image batch [N, C, H, W], got {Shapes.Format(t.Shape)}");
        if ((uint)index >= (uint)t.Shape[0]) throw new ArgumentOutOfRangeException(nameof(index), $"sample {index} is outside a batch of {t.Shape[0]}");
        int size = t.Length / t.Shape[0];
        return new HostImage(t.ToArray().AsSpan(index * size, size).ToArray(), t.Shape[1], t.Shape[2], t.Shape[3]);
    }

    /// <summary>Channel <paramref name="channel"/> as a 1×H×W image (the paper shows channel 0 of gray maps).</summary>
    public HostImage Channel(int channel)
    {
        if ((uint)channel >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(channel), $"channel {channel} of a {Channels}-channel image");
        int plane = Height * Width;
        return new HostImage(Data.AsSpan(channel * plane, plane).ToArray(), 1, Height, Width);
    }

    /// <summary>The channel the figures show: the image itself when it has 1 or 3 channels, else channel 0.</summary>
    public HostImage Displayable() => Channels is 1 or 3 ? this : Channel(0);
}

using System.Globalization;

namespace Flows.Core.Flows;

/// <summary>A per-sample image shape C×H×W, written "1x28x28".</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public int Size => Channels * Height * Width;

    public int[] ToArray() => [Channels, Height, Width];

    public static ImageShape Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0))
            throw new ArgumentException($"image shape '{text}': expected CxHxW with positive integers, e.g. 1x28x28");
        var v = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return new ImageShape(v[0], v[1], v[2]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Channels}x{Height}x{Width}");
}

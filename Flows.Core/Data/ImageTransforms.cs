using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Flows.Core.Data;

/// <summary>The few torchvision transforms the paper's image folders use, with torchvision's rounding.</summary>
public static class ImageTransforms
{
    /// <summary>
    /// Resize(size) then CenterCrop(size): the shorter side becomes <paramref name="size"/> (bilinear, the longer
    /// side truncated as torchvision does: 178×218 → 32×39), then the centre size×size is kept.
    /// </summary>
    public static void ResizeAndCenterCrop(Image<Rgb24> image, int size)
    {
        int w = image.Width, h = image.Height;
        int newW = w <= h ? size : (int)((double)size * w / h);
        int newH = w <= h ? (int)((double)size * h / w) : size;
        image.Mutate(x =>
        {
            if (newW != w || newH != h)
                x.Resize(new ResizeOptions { Size = new Size(newW, newH), Sampler = KnownResamplers.Triangle, Mode = ResizeMode.Stretch });
            // torchvision: top = int(round((h - size) / 2)), Python rounding half to even.
            int left = (int)Math.Round((newW - size) / 2.0, MidpointRounding.ToEven);
            int top = (int)Math.Round((newH - size) / 2.0, MidpointRounding.ToEven);
            if (newW != size || newH != size)
                x.Crop(new Rectangle(left, top, size, size));
        });
    }

    /// <summary>
    /// Writes the image as C×H×W bytes. One channel uses PIL's convert("L") weights (ITU-R 601-2 luma,
    /// 299/587/114), which is what torchvision's Grayscale applies.
    /// </summary>
    public static void CopyChw(Image<Rgb24> image, Span<byte> destination, int channels)
    {
        int w = image.Width, h = image.Height, plane = w * h;
        if (destination.Length != plane * channels)
            throw new ArgumentException($"destination holds {destination.Length} bytes, a {channels}x{h}x{w} image needs {plane * channels}");
        var pixels = new Rgb24[plane];
        image.CopyPixelDataTo(pixels);
        for (int i = 0; i < plane; i++)
        {
            var p = pixels[i];
            if (channels == 1)
            {
                destination[i] = (byte)((p.R * 19595 + p.G * 38470 + p.B * 7471 + 0x8000) >> 16);
            }
            else
            {
                destination[i] = p.R;
                destination[plane + i] = p.G;
                destination[2 * plane + i] = p.B;
            }
        }
    }

    /// <summary>True when every pixel has R = G = B (a gray image stored as colour).</summary>
    public static bool IsGray(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        foreach (var p in pixels)
            if (p.R != p.G || p.G != p.B)
                return false;
        return true;
    }
}

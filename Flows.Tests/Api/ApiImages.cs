using Flows.Core.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Tests.Api;

/// <summary>Data-set images as ImageSharp images and PNG bytes, the forms an application hands the detector.</summary>
internal static class ApiImages
{
    public static Image<L8> Gray(ImageDataset set, int index)
    {
        var image = new Image<L8>(set.Width, set.Height);
        var pixels = set.Image(index);
        for (int y = 0; y < set.Height; y++)
            for (int x = 0; x < set.Width; x++)
                image[x, y] = new L8(pixels[y * set.Width + x]);
        return image;
    }

    public static byte[] Png(Image image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    public static byte[] Png(ImageDataset set, int index)
    {
        using var image = Gray(set, index);
        return Png(image);
    }
}

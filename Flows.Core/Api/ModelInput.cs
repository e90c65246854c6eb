using System.Globalization;
using Flows.Core.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Core.Api;

/// <summary>
/// Turns what a caller hands the detector (an ImageSharp image, encoded bytes, a file, a data set, a tensor) into the
/// model's input: C×H×W bytes. One channel is the ITU-R 601 luma of the pixels, three are R, G, B (a gray image is
/// replicated); the size must equal the model's, or with <see cref="OodDetectorOptions.ResizeImages"/> the image is
/// resized and centre-cropped as the image-folder loader does. Anything else is one OodDetectorException that says what
/// the model takes.
/// </summary>
internal sealed class ModelInput(int channels, int height, int width, bool resize, SafeImageDecoder decoder)
{
    public int Channels { get; } = channels;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public int ImageSize => Channels * Height * Width;

    /// <summary>"1x28x28 images (grayscale, 28×28)": what the model takes, for messages.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Channels}x{Height}x{Width} images ({(Channels == 1 ? "grayscale" : "RGB")}, {Width}×{Height})");

    public byte[] Decode(string path)
    {
        if (!File.Exists(path)) throw new OodDetectorException($"image '{path}' does not exist; pass the path of a PNG, JPEG or BMP file");
        using var image = Guard(() => decoder.LoadRgb(path));
        return Convert(image, path);
    }

    public byte[] Decode(byte[] encoded, string label)
    {
        using var stream = new MemoryStream(encoded, writable: false);
        using var image = Guard(() => decoder.LoadRgb(stream, label));
        return Convert(image, label);
    }

    public byte[] Convert(Image image, string label)
    {
        using var rgb = image.CloneAs<Rgb24>();
        return Convert(rgb, label);
    }

    /// <summary>The image as the model's C×H×W bytes; resizes a copy when allowed, never the caller's image.</summary>
    public byte[] Convert(Image<Rgb24> image, string label)
    {
        var pixels = new byte[ImageSize];
        if (image.Width == Width && image.Height == Height)
        {
            ImageTransforms.CopyChw(image, pixels, Channels);
            return pixels;
        }
        if (!resize || Width != Height)
        {
            string fix = Width == Height ? "resize the image, or set OodDetectorOptions.ResizeImages" : "resize the image";
            throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture,
                $"{label} is {image.Width}×{image.Height}; the model takes {Describe()}: {fix}"));
        }
        using var copy = image.Clone();
        ImageTransforms.ResizeAndCenterCrop(copy, Width);
        ImageTransforms.CopyChw(copy, pixels, Channels);
        return pixels;
    }

    /// <summary>Checks a data set already in model form; its shape must be the model's exactly (no conversion).</summary>
    public ImageDataset Check(ImageDataset images)
    {
        if (images.Channels != Channels || images.Height != Height || images.Width != Width)
            throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture,
                $"{images.Name} holds {images.Channels}x{images.Height}x{images.Width} images; the model takes {Describe()}"));
        return images;
    }

    /// <summary>
    /// A tensor [N, C, H, W] of ToTensor values (pixel / 255 in [0, 1]) back to bytes: values are rounded to the nearest
    /// 1/255, as the flow dequantizes 8-bit data; NaN or values outside [0, 1] are refused.
    /// </summary>
    public ImageDataset FromTensor(Tensor images)
    {
        var shape = images.Shape;
        if (shape.Length != 4 || shape[1] != Channels || shape[2] != Height || shape[3] != Width)
            throw new OodDetectorException($"the tensor has shape [{string.Join(", ", shape)}]; the model takes [N, {Channels}, {Height}, {Width}] ({Describe()}, values pixel / 255)");
        var values = images.ToArray();
        var pixels = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v >= 0f && v <= 1f))
                throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture,
                    $"tensor element {i} is {v}; images are given as pixel / 255, in [0, 1]"));
            pixels[i] = (byte)MathF.Round(v * 255f);
        }
        return new ImageDataset("tensor", pixels, new int[shape[0]], Channels, Height, Width);
    }

    private static Image<Rgb24> Guard(Func<Image<Rgb24>> decode)
    {
        try { return decode(); }
        catch (DataException e) { throw new OodDetectorException(e.Message, e); }
    }
}

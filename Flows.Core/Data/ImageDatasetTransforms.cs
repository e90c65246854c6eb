namespace Flows.Core.Data;

/// <summary>Whole-set shape conversions, so that a flow trained on one image shape can score a set of another.</summary>
public static class ImageDatasetTransforms
{
    /// <summary>
    /// The images as <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>: a 1-channel image
    /// is replicated into every channel and centred on a zero (black) canvas, e.g. 1×28×28 → 3×32×32 with 2 pixels of
    /// zeros on each side. The set keeps its name, so the scores stay keyed as the other reports key them.
    /// </summary>
    /// <remarks>
    /// Why pad rather than resize (docs/MODELS.md §2 E10, "grayscale sets as 3 channels" for the CIFAR-10 pixel flow):
    /// padding keeps every pixel value as it is, while a bilinear resize to 32×32 smooths the strokes, and smoother
    /// images get a higher likelihood from a flow (§6: coupling layers learn local pixel correlations), which would
    /// move the pixel AUROC for a reason that is not the data set. MNIST-like sets have black backgrounds, so the zeros
    /// continue them (torchvision's Pad(2), the usual LeNet 28 → 32 step). The feature extractor resizes instead:
    /// it needs the network's input size, and its embedding is what is being compared.
    /// </remarks>
    public static ImageDataset ReplicateAndPad(ImageDataset images, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Channels == channels && images.Height == height && images.Width == width)
            return images;
        if (images.Channels != 1 && images.Channels != channels)
            throw new ArgumentException($"{images.Name}: cannot turn {images.Channels}-channel images into {channels} channels (only 1 → {channels} by replication)");
        if (images.Height > height || images.Width > width)
            throw new ArgumentException($"{images.Name}: {images.Height}x{images.Width} images do not fit in {height}x{width} (padding only grows them)");

        int top = (height - images.Height) / 2, left = (width - images.Width) / 2;
        int plane = height * width, size = channels * plane, srcPlane = images.Height * images.Width;
        var pixels = new byte[(long)images.Count * size];
        for (int n = 0; n < images.Count; n++)
        {
            var src = images.Image(n);
            for (int c = 0; c < channels; c++)
            {
                int sc = images.Channels == 1 ? 0 : c;
                for (int y = 0; y < images.Height; y++)
                    src.Slice(sc * srcPlane + y * images.Width, images.Width)
                       .CopyTo(pixels.AsSpan((int)((long)n * size + c * plane + (top + y) * width + left), images.Width));
            }
        }
        return new ImageDataset(images.Name, pixels, (int[])images.Labels.Clone(), channels, height, width, images.ClassNames);
    }
}

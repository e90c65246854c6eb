using System.Globalization;
using Flows.Core.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace OodScoring;

/// <summary>`export`: writes images of a registered data set as PNG files, to have folders to calibrate on and check.</summary>
public static class ExportCommand
{
    public static int Run(Options options)
    {
        string name = options.Required("data");
        var split = options.Required("split") switch
        {
            "train" => DatasetSplit.Train,
            "test" => DatasetSplit.Test,
            var s => throw new OptionException($"--split takes train or test, got '{s}'"),
        };
        int count = options.Int("count", 10), start = options.Int("start", 0);
        string outDir = options.Required("out");
        var set = DatasetLoader.Load(name, split, new DataOptions { DataDir = options.String("data-dir"), Offline = true });
        if (start < 0 || count < 1 || start + count > set.Count)
            throw new OptionException($"--start {start} --count {count}: {set.Name} has {set.Count} images");
        Directory.CreateDirectory(outDir);
        for (int i = start; i < start + count; i++)
        {
            using var image = ToImage(set, i);
            image.SaveAsPng(Path.Combine(outDir, string.Create(CultureInfo.InvariantCulture, $"{name}-{i:D5}.png")));
        }
        Console.WriteLine($"wrote {count} images of {set.Name} to {outDir}");
        return 0;
    }

    // The data set holds C×H×W bytes (planes), ImageSharp wants interleaved pixels.
    private static Image<Rgb24> ToImage(ImageDataset set, int index)
    {
        var pixels = set.Image(index);
        int plane = set.Height * set.Width;
        var image = new Image<Rgb24>(set.Width, set.Height);
        for (int y = 0; y < set.Height; y++)
            for (int x = 0; x < set.Width; x++)
            {
                int p = y * set.Width + x;
                image[x, y] = set.Channels == 1
                    ? new Rgb24(pixels[p], pixels[p], pixels[p])
                    : new Rgb24(pixels[p], pixels[plane + p], pixels[2 * plane + p]);
            }
        return image;
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TwoMoons;

/// <summary>Draws point sets as small coloured squares on a white square PNG over [−range, range]².</summary>
public static class ScatterPlot
{
    public static void Save(string path, double range, int size, params (float[] Points, Rgba32 Color)[] sets)
    {
        using var image = new Image<Rgba32>(size, size, new Rgba32(255, 255, 255));
        foreach (var (points, color) in sets)
            for (int i = 0; i + 1 < points.Length; i += 2)
            {
                int px = (int)Math.Round((points[i] + range) / (2 * range) * (size - 1));
                int py = (int)Math.Round((range - points[i + 1]) / (2 * range) * (size - 1)); // y grows upwards
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int x = px + dx, y = py + dy;
                        if (x >= 0 && y >= 0 && x < size && y < size) image[x, y] = color;
                    }
            }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        image.SaveAsPng(path);
    }
}

namespace Flows.Core.Data;

/// <summary>
/// SVHN's cropped-digit files (train_32x32.mat, test_32x32.mat): X is uint8 32×32×3×N in MATLAB's column-major
/// order, y is N×1 with labels 1..10 where 10 stands for the digit 0 (torchvision maps it to 0, so do we).
/// </summary>
public static class SvhnReader
{
    private static readonly HashSet<string> Variables = new(StringComparer.Ordinal) { "X", "y" };

    public static ImageDataset Read(string name, string path)
    {
        var arrays = MatFileReader.Read(path, Variables);
        if (!arrays.TryGetValue("X", out var x) || !arrays.TryGetValue("y", out var y))
            throw new DataException(
                $"{path} lacks the variables X and y of SVHN's *_32x32.mat files (found: {string.Join(", ", arrays.Keys.DefaultIfEmpty("none"))}); check that it is an SVHN cropped-digits file");
        var (height, width, channels, count) = x.Dims.Length switch
        {
            4 => (x.Dims[0], x.Dims[1], x.Dims[2], x.Dims[3]),
            3 => (x.Dims[0], x.Dims[1], 1, x.Dims[2]),
            _ => throw new DataException($"{path}: X has {x.Dims.Length} dimensions, expected height×width×channels×count"),
        };
        if (x.StoredType != MatFormat.MiUInt8)
            throw new DataException($"{path}: X is stored as MAT type {x.StoredType}, expected uint8 pixels; this is not SVHN's format");
        var labels = ToLabels(y, count, path);
        var pixels = x.Data;
        ColumnMajorToChw(pixels, count, height, width, channels);
        return new ImageDataset(name, pixels, labels, channels, height, width, DigitNames);
    }

    private static readonly string[] DigitNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static int[] ToLabels(MatMatrix y, int count, string path)
    {
        var values = y.ToDoubles();
        if (values.Length != count)
            throw new DataException($"{path}: y has {values.Length} labels but X has {count} images; the file is corrupt");
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            double v = values[i];
            if (v != Math.Floor(v) || v < 0 || v > 10)
                throw new DataException($"{path}: label {i} is {v}, but SVHN labels are 1..10; the file is corrupt or not SVHN");
            labels[i] = v == 10 ? 0 : (int)v;
        }
        return labels;
    }

    // In place, one image at a time: MATLAB stores X(row, col, channel, n) with row fastest; we want C×H×W.
    private static void ColumnMajorToChw(byte[] pixels, int count, int height, int width, int channels)
    {
        int plane = height * width;
        int imageSize = plane * channels;
        var source = new byte[imageSize];
        for (int n = 0; n < count; n++)
        {
            var image = pixels.AsSpan(n * imageSize, imageSize);
            image.CopyTo(source);
            for (int ch = 0; ch < channels; ch++)
            {
                var src = source.AsSpan(ch * plane, plane);
                var dst = image.Slice(ch * plane, plane);
                for (int col = 0; col < width; col++)
                    for (int row = 0; row < height; row++)
                        dst[row * width + col] = src[col * height + row];
            }
        }
    }
}

using Flows.Core.Checkpoints;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Core.Figures;

/// <summary>
/// A rows × columns grid of float images (each C×H×W, channel-planar, C = 1 or 3), rendered to PNG with
/// ImageSharp only: per-cell scaling (<see cref="CellScaling"/>), a colormap for single-channel cells,
/// nearest-neighbour upscaling, padding, and optional row labels (left) and column labels (top) drawn with
/// <see cref="BitmapFont"/>. This draws the paper's sample grids, latent images and s/t maps (spec §7).
/// </summary>
public sealed class ImageGrid
{
    private sealed record Cell(float[] Data, int Channels, int Height, int Width, CellScaling? Scaling, Colormap? Colormap);

    private readonly Cell?[,] _cells;

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>Scaling of cells that do not set their own.</summary>
    public CellScaling Scaling { get; set; } = CellScaling.AsIs;

    /// <summary>Colormap of single-channel cells that do not set their own.</summary>
    public Colormap Colormap { get; set; } = Colormap.Ice;

    /// <summary>Each image pixel becomes Upscale × Upscale output pixels.</summary>
    public int Upscale { get; set; } = 1;

    /// <summary>Pixels between cells and around the grid.</summary>
    public int Padding { get; set; } = 2;

    public Rgba32 Background { get; set; } = new(255, 255, 255);
    public Rgba32 LabelColor { get; set; } = new(0, 0, 0);
    public int LabelScale { get; set; } = 1;

    /// <summary>One label per row, drawn left of the row; null for none.</summary>
    public IReadOnlyList<string>? RowLabels { get; set; }

    /// <summary>One label per column, drawn above the column; null for none.</summary>
    public IReadOnlyList<string>? ColumnLabels { get; set; }

    public ImageGrid(int rows, int columns)
    {
        if (rows < 1 || columns < 1) throw new ArgumentOutOfRangeException(nameof(rows), $"A grid needs at least one row and column, not {rows}×{columns}.");
        Rows = rows;
        Columns = columns;
        _cells = new Cell?[rows, columns];
    }

    /// <summary>Places a C×H×W image (channel-planar, as a tensor's NCHW slice) at (row, column).</summary>
    public ImageGrid Set(int row, int column, float[] chw, int channels, int height, int width,
        CellScaling? scaling = null, Colormap? colormap = null)
    {
        ArgumentNullException.ThrowIfNull(chw);
        if ((uint)row >= Rows || (uint)column >= Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"Cell ({row}, {column}) is outside the {Rows}×{Columns} grid.");
        if (channels is not (1 or 3))
            throw new ArgumentException($"Grid cells have 1 or 3 channels, not {channels}; pick a channel or three for display.", nameof(channels));
        if (height < 1 || width < 1)
            throw new ArgumentException($"Cell image size {height}×{width} is empty.", nameof(height));
        if (chw.Length != channels * height * width)
            throw new ArgumentException($"Cell data has {chw.Length} values but {channels}×{height}×{width} = {channels * height * width} were expected.", nameof(chw));
        _cells[row, column] = new Cell(chw, channels, height, width, scaling, colormap);
        return this;
    }

    /// <summary>The pixel size the rendered image will have.</summary>
    public (int Width, int Height) PixelSize()
    {
        var (cellW, cellH) = CellBox();
        var (left, top) = Margins();
        return (left + Padding + Columns * (cellW + Padding), top + Padding + Rows * (cellH + Padding));
    }

    public Image<Rgba32> Render()
    {
        CheckSettings();
        var (width, height) = PixelSize();
        var (cellW, cellH) = CellBox();
        var (left, top) = Margins();
        var image = new Image<Rgba32>(width, height, Background);

        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                if (_cells[r, c] is not { } cell) continue;
                int x0 = left + Padding + c * (cellW + Padding) + (cellW - cell.Width * Upscale) / 2;
                int y0 = top + Padding + r * (cellH + Padding) + (cellH - cell.Height * Upscale) / 2;
                DrawCell(image, cell, x0, y0);
            }

        if (RowLabels is not null)
            for (int r = 0; r < Rows; r++)
            {
                var (_, h) = BitmapFont.Measure(RowLabels[r], LabelScale);
                int y = top + Padding + r * (cellH + Padding) + (cellH - h) / 2;
                BitmapFont.DrawText(image, Padding, y, RowLabels[r], LabelColor, LabelScale);
            }
        if (ColumnLabels is not null)
            for (int c = 0; c < Columns; c++)
            {
                var (w, _) = BitmapFont.Measure(ColumnLabels[c], LabelScale);
                int x = left + Padding + c * (cellW + Padding) + (cellW - w) / 2;
                BitmapFont.DrawText(image, x, Padding, ColumnLabels[c], LabelColor, LabelScale);
            }
        return image;
    }

    /// <summary>Renders and writes a PNG atomically.</summary>
    public void Save(string path)
    {
        using var image = Render();
        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer);
        AtomicFile.Write(path, s => buffer.WriteTo(s));
    }

    private void DrawCell(Image<Rgba32> image, Cell cell, int x0, int y0)
    {
        var scaled = (cell.Scaling ?? Scaling).Apply(cell.Data);
        var cmap = cell.Colormap ?? Colormap;
        int plane = cell.Height * cell.Width;
        for (int y = 0; y < cell.Height; y++)
            for (int x = 0; x < cell.Width; x++)
            {
                int i = y * cell.Width + x;
                Rgba32 color = cell.Channels == 1
                    ? cmap.Map(scaled[i])
                    : new Rgba32(Colormap.ToByte(scaled[i]), Colormap.ToByte(scaled[plane + i]), Colormap.ToByte(scaled[2 * plane + i]));
                for (int dy = 0; dy < Upscale; dy++)
                    for (int dx = 0; dx < Upscale; dx++)
                        image[x0 + x * Upscale + dx, y0 + y * Upscale + dy] = color;
            }
    }

    // Every cell gets the box of the largest image, widened to fit the widest column label and
    // heightened to fit the tallest row label, so rows and columns line up and labels never collide.
    private (int Width, int Height) CellBox()
    {
        int w = 1, h = 1;
        foreach (var cell in _cells)
            if (cell is not null) { w = Math.Max(w, cell.Width); h = Math.Max(h, cell.Height); }
        w *= Upscale;
        h *= Upscale;
        if (ColumnLabels is not null) w = Math.Max(w, ColumnLabels.Max(l => BitmapFont.Measure(l, LabelScale).Width));
        if (RowLabels is not null) h = Math.Max(h, RowLabels.Max(l => BitmapFont.Measure(l, LabelScale).Height));
        return (w, h);
    }

    private (int Left, int Top) Margins()
    {
        int left = RowLabels is null ? 0 : RowLabels.Max(l => BitmapFont.Measure(l, LabelScale).Width) + Padding;
        int top = ColumnLabels is null ? 0 : ColumnLabels.Max(l => BitmapFont.Measure(l, LabelScale).Height) + Padding;
        return (left, top);
    }

    private void CheckSettings()
    {
        if (Upscale < 1) throw new InvalidOperationException($"Upscale must be at least 1, not {Upscale}.");
        if (Padding < 0) throw new InvalidOperationException($"Padding must not be negative, not {Padding}.");
        if (RowLabels is not null && RowLabels.Count != Rows)
            throw new InvalidOperationException($"{RowLabels.Count} row labels for {Rows} rows.");
        if (ColumnLabels is not null && ColumnLabels.Count != Columns)
            throw new InvalidOperationException($"{ColumnLabels.Count} column labels for {Columns} columns.");
    }
}

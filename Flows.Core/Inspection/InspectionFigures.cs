using System.Globalization;
using Flows.Core.Figures;
using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// The figures of the paper's §5–6 as labelled <see cref="ImageGrid"/>s (docs/MODELS.md §7.2–7.5). Single-channel
/// maps use the ice colormap autoscaled per cell, as the Glow notebook shows them; three-channel maps are
/// standardized per cell ((a − mean)/std, clipped to [0, 1]) as the RealNVP-CelebA notebook does.
/// </summary>
public static class InspectionFigures
{
    /// <summary>Coupling layers per block of rows; the paper draws 16 per row.</summary>
    public const int LayersPerBlock = 16;

    /// <summary>
    /// Fig. 1(b, c) for one image: a first column with the input, then one column per coupling layer; rows
    /// "out", "exp(s)", "t". Models with more than 16 couplings continue in further blocks of three rows; the
    /// row label names the block's first layer and the column label the offset from it.
    /// </summary>
    public static ImageGrid Couplings(HostImage input, IReadOnlyList<CouplingMap> maps, int upscale = 2)
    {
        if (maps.Count == 0) throw new ArgumentException("the model has no coupling layers to show", nameof(maps));
        int blocks = (maps.Count + LayersPerBlock - 1) / LayersPerBlock;
        int perBlock = Math.Min(LayersPerBlock, maps.Count);
        var grid = new ImageGrid(3 * blocks, perBlock + 1) { Upscale = upscale, Scaling = CellScaling.Autoscale, Colormap = Colormap.Ice };
        var rowLabels = new List<string>();
        for (int b = 0; b < blocks; b++)
        {
            string suffix = blocks == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $" {b * LayersPerBlock + 1}+");
            rowLabels.AddRange(["out" + suffix, "exp(s)" + suffix, "t" + suffix]);
        }
        grid.RowLabels = rowLabels;
        grid.ColumnLabels = ["input", .. Enumerable.Range(0, perBlock).Select(c =>
            blocks == 1 ? (c + 1).ToString(CultureInfo.InvariantCulture) : "+" + c.ToString(CultureInfo.InvariantCulture))];
        Place(grid, 0, 0, input, CellScaling.AsIs);
        for (int k = 0; k < maps.Count; k++)
        {
            int row = 3 * (k / LayersPerBlock), column = 1 + k % LayersPerBlock;
            var scaling = maps[k].Output.Channels == 3 ? CellScaling.Standardize : CellScaling.Autoscale;
            Place(grid, row, column, maps[k].Output.Displayable(), scaling);
            Place(grid, row + 1, column, maps[k].ExpScale.Displayable(), scaling);
            Place(grid, row + 2, column, maps[k].Shift.Displayable(), scaling);
        }
        return grid;
    }

    /// <summary>
    /// The co-adaptation figure (docs/MODELS.md §7.4): several images of a model with few couplings in one grid,
    /// three rows per image ("label out", "label exp(s)", "label t"), a first column with the input and one
    /// column per coupling layer.
    /// </summary>
    public static ImageGrid CouplingsForImages(IReadOnlyList<(string Label, HostImage Input, IReadOnlyList<CouplingMap> Maps)> images, int upscale = 3)
    {
        if (images.Count == 0) throw new ArgumentException("no images to show", nameof(images));
        int layers = images.Max(i => i.Maps.Count);
        if (layers == 0) throw new ArgumentException("the model has no coupling layers to show", nameof(images));
        var grid = new ImageGrid(3 * images.Count, layers + 1) { Upscale = upscale, Scaling = CellScaling.Autoscale, Colormap = Colormap.Ice };
        grid.RowLabels = images.SelectMany(i => new[] { i.Label + " out", i.Label + " exp(s)", i.Label + " t" }).ToArray();
        grid.ColumnLabels = ["input", .. Enumerable.Range(1, layers).Select(k => "layer " + k.ToString(CultureInfo.InvariantCulture))];
        for (int r = 0; r < images.Count; r++)
        {
            Place(grid, 3 * r, 0, images[r].Input, CellScaling.AsIs);
            for (int k = 0; k < images[r].Maps.Count; k++)
            {
                var map = images[r].Maps[k];
                Place(grid, 3 * r, k + 1, map.Output.Displayable(), CellScaling.Autoscale);
                Place(grid, 3 * r + 1, k + 1, map.ExpScale.Displayable(), CellScaling.Autoscale);
                Place(grid, 3 * r + 2, k + 1, map.Shift.Displayable(), CellScaling.Autoscale);
            }
        }
        return grid;
    }

    /// <summary>One column of the latent figure: an image and its latents in image layout.</summary>
    public sealed record LatentColumn(string Label, HostImage Input, HostImage Z, HostImage ZAveraged, HostImage? ZBatchStatistics);

    /// <summary>
    /// §7.3: per image a column; rows: the input, z (one draw, eval mode), the mean z over the draws, and — for
    /// models with BatchNorm — z with batch statistics (E12). Channel 0 of z, ice colormap, autoscaled per cell.
    /// </summary>
    public static ImageGrid Latents(IReadOnlyList<LatentColumn> columns, int draws, int upscale = 2)
    {
        if (columns.Count == 0) throw new ArgumentException("no images to show", nameof(columns));
        bool batchRow = columns.Any(c => c.ZBatchStatistics is not null);
        var rows = new List<string> { "input", "z", string.Create(CultureInfo.InvariantCulture, $"z avg {draws}") };
        if (batchRow) rows.Add("z BN-train");
        var grid = new ImageGrid(rows.Count, columns.Count)
        {
            Upscale = upscale, Scaling = CellScaling.Autoscale, Colormap = Colormap.Ice,
            RowLabels = rows, ColumnLabels = columns.Select(c => c.Label).ToArray(),
        };
        for (int c = 0; c < columns.Count; c++)
        {
            var col = columns[c];
            Place(grid, 0, c, col.Input, CellScaling.AsIs);
            Place(grid, 1, c, col.Z.Channel(0), CellScaling.Autoscale);
            Place(grid, 2, c, col.ZAveraged.Channel(0), CellScaling.Autoscale);
            if (col.ZBatchStatistics is { } zb) Place(grid, 3, c, zb.Channel(0), CellScaling.Autoscale);
        }
        return grid;
    }

    /// <summary>The clip of the notebook's single-channel latent views of RGB models ([−2, 2]; docs/MODELS.md §7.3).</summary>
    public const double ChannelClip = 2;

    /// <summary>
    /// §7.3 for RGB models (the CelebA notebook's panels): per image a column; rows: the input; z as RGB (clipped to
    /// [0, 1], as imshow does); each channel of z clipped to [−clip, clip] in viridis (matplotlib's default
    /// colormap, as the notebook's channel-2 panel); the mean z over the draws clipped to [−clip, clip] and shown as
    /// RGB (so effectively [0, 1]); and, for models with BatchNorm, channel 2 of z with batch statistics (ice).
    /// </summary>
    public static ImageGrid ColourLatents(IReadOnlyList<LatentColumn> columns, int draws, double clip = ChannelClip, int upscale = 2)
    {
        CheckRgb(columns);
        bool batchRow = columns.Any(c => c.ZBatchStatistics is not null);
        string range = string.Create(CultureInfo.InvariantCulture, $"[{-clip:G3},{clip:G3}]");
        var rows = new List<string> { "input", "z RGB", "z ch0 " + range, "z ch1 " + range, "z ch2 " + range,
            string.Create(CultureInfo.InvariantCulture, $"z avg {draws} RGB") };
        if (batchRow) rows.Add("z BN-train ch2");
        var grid = new ImageGrid(rows.Count, columns.Count)
        {
            Upscale = upscale, RowLabels = rows, ColumnLabels = columns.Select(c => c.Label).ToArray(),
        };
        var clipped = CellScaling.ClipTo(-clip, clip);
        for (int c = 0; c < columns.Count; c++)
        {
            var col = columns[c];
            Place(grid, 0, c, col.Input, CellScaling.AsIs);
            PlaceView(grid, 1, c, col.Z, LatentViews.ClippedRgb(col.Z.Data));
            for (int ch = 0; ch < 3; ch++)
                grid.Set(2 + ch, c, col.Z.Channel(ch).Data, 1, col.Z.Height, col.Z.Width, clipped, Colormap.Viridis);
            // The notebook clips the mean to [−clip, clip] and imshow then clips it to [0, 1] again.
            var mean = col.ZAveraged.Data.Select(v => (float)Math.Clamp(v, -clip, clip)).ToArray();
            PlaceView(grid, 5, c, col.ZAveraged, LatentViews.ClippedRgb(mean));
            if (col.ZBatchStatistics is { } zb) grid.Set(6, c, zb.Channel(2).Data, 1, zb.Height, zb.Width, CellScaling.Autoscale, Colormap.Ice);
        }
        return grid;
    }

    /// <summary>
    /// The CelebA appendix grid (§7.3): per image a column; rows: the input (RGB); z as RGB (clipped to [0, 1]);
    /// channel 2 of z (ice, autoscaled, or clipped to [−channelClip, channelClip] first: the SVHN grid uses 3);
    /// and channel 2 of z with BatchNorm batch statistics (ice), for models with BatchNorm.
    /// </summary>
    public static ImageGrid LatentAppendix(IReadOnlyList<LatentColumn> columns, double? channelClip = null, int upscale = 2)
    {
        CheckRgb(columns);
        bool batchRow = columns.Any(c => c.ZBatchStatistics is not null);
        var rows = new List<string> { "input", "z RGB", channelClip is double k ? string.Create(CultureInfo.InvariantCulture, $"z ch2 [{-k:G3},{k:G3}]") : "z ch2" };
        if (batchRow) rows.Add("z BN-train ch2");
        var grid = new ImageGrid(rows.Count, columns.Count)
        {
            Upscale = upscale, Colormap = Colormap.Ice, RowLabels = rows, ColumnLabels = columns.Select(c => c.Label).ToArray(),
        };
        for (int c = 0; c < columns.Count; c++)
        {
            var col = columns[c];
            Place(grid, 0, c, col.Input, CellScaling.AsIs);
            PlaceView(grid, 1, c, col.Z, LatentViews.ClippedRgb(col.Z.Data));
            var ch2 = col.Z.Channel(2).Data;
            if (channelClip is double clip) ch2 = ch2.Select(v => (float)Math.Clamp(v, -clip, clip)).ToArray();
            grid.Set(2, c, ch2, 1, col.Z.Height, col.Z.Width, CellScaling.Autoscale, Colormap.Ice);
            if (col.ZBatchStatistics is { } zb) grid.Set(3, c, zb.Channel(2).Data, 1, zb.Height, zb.Width, CellScaling.Autoscale, Colormap.Ice);
        }
        return grid;
    }

    /// <summary>
    /// The Glow notebook's latent view (§7.3): its "reshape model" keeps the logit step, so it shows sigmoid(z) in
    /// image layout. Per image a column; rows: the input, sigmoid(z) and sigmoid of the mean z over the draws;
    /// channel 0, ice, autoscaled as imshow does.
    /// </summary>
    public static ImageGrid SigmoidLatents(IReadOnlyList<LatentColumn> columns, int draws, int upscale = 2)
    {
        if (columns.Count == 0) throw new ArgumentException("no images to show", nameof(columns));
        var grid = new ImageGrid(3, columns.Count)
        {
            Upscale = upscale, Scaling = CellScaling.Autoscale, Colormap = Colormap.Ice,
            RowLabels = ["input", "sigmoid(z)", string.Create(CultureInfo.InvariantCulture, $"sigmoid(z avg {draws})")],
            ColumnLabels = columns.Select(c => c.Label).ToArray(),
        };
        for (int c = 0; c < columns.Count; c++)
        {
            var col = columns[c];
            Place(grid, 0, c, col.Input.Displayable(), CellScaling.AsIs);
            foreach (var (row, z) in new[] { (1, col.Z), (2, col.ZAveraged) })
            {
                var ch0 = z.Channel(0);
                grid.Set(row, c, LatentViews.Sigmoid(ch0.Data), 1, ch0.Height, ch0.Width, CellScaling.Autoscale);
            }
        }
        return grid;
    }

    private static void CheckRgb(IReadOnlyList<LatentColumn> columns)
    {
        if (columns.Count == 0) throw new ArgumentException("no images to show", nameof(columns));
        if (columns.FirstOrDefault(c => c.Z.Channels != 3 || c.Input.Channels != 3) is { } gray)
            throw new ArgumentException($"colour latent views need 3-channel images and latents; {gray.Label} has {gray.Input.Channels} and {gray.Z.Channels}", nameof(columns));
    }

    // An RGB view already in [0, 1]: shown as it is.
    private static void PlaceView(ImageGrid grid, int row, int column, HostImage like, float[] view) =>
        grid.Set(row, column, view, like.Channels, like.Height, like.Width, CellScaling.AsIs);

    /// <summary>
    /// §7.5: samples x = f⁻¹(z), z ~ N(0, I), in eval mode, in a square grid (the paper's 3×3). Gray samples use
    /// the ice colormap (channel 0), color samples are shown as RGB clipped to [0, 1].
    /// </summary>
    public static ImageGrid Samples(FlowModel model, int count, ulong seed, int upscale = 2)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"need at least one sample, got {count}");
        var shape = model.DataShape;
        if (shape.Length != 3) throw new ArgumentException($"{model.Name} is not an image model");
        int columns = (int)Math.Ceiling(Math.Sqrt(count));
        var grid = new ImageGrid((count + columns - 1) / columns, columns) { Upscale = upscale, Colormap = Colormap.Ice };
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var scope = new TensorScope();
            var samples = model.Sample(count, seed);
            for (int i = 0; i < count; i++)
                Place(grid, i / columns, i % columns, HostImage.FromBatch(samples, i).Displayable(), CellScaling.AsIs);
        }
        finally { model.Train(wasTraining); }
        return grid;
    }

    private static void Place(ImageGrid grid, int row, int column, HostImage image, CellScaling scaling) =>
        grid.Set(row, column, image.Data, image.Channels, image.Height, image.Width, scaling);
}

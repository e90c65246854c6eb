using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// Writes the inspection figures of one model for a few chosen test images (docs/MODELS.md §2 E4, E5, E9, E12):
/// couplings_SET_INDEX.png (every coupling's output, exp(s) and t; Fig. 1b/c), couplings_all.png (all images in one
/// grid, for models with at most 8 couplings: the co-adaptation figure), latents.png (z, z averaged over
/// dequantization draws, and z with BatchNorm batch statistics) and samples.png (3×3).
/// </summary>
public static class InspectionArtifacts
{
    /// <summary>The batch size for train-mode BatchNorm latents: the notebook's test batch of 32.</summary>
    public const int BatchStatisticsBatch = 32;

    /// <summary>Returns (kind, path) of every file written; kinds: "couplings SET:INDEX", "couplings all", "latents", "samples".</summary>
    public static IReadOnlyList<(string Kind, string Path)> Write(MultiScaleFlow model, IReadOnlyList<(string Set, int Index)> images,
        Func<string, ImageDataset> testSet, string dir, ulong noiseSeed, ulong sampleSeed, int draws = LatentLayout.PaperDraws)
    {
        Directory.CreateDirectory(dir);
        var written = new List<(string, string)>();
        var columns = new List<InspectionFigures.LatentColumn>();
        var all = new List<(string, HostImage, IReadOnlyList<CouplingMap>)>();
        foreach (var (set, index) in images)
        {
            var data = testSet(set);
            if ((uint)index >= (uint)data.Count)
                throw new ArgumentException($"image {set}:{index} does not exist: the {data.Name} split has images 0..{data.Count - 1}");
            string label = string.Create(CultureInfo.InvariantCulture, $"{set}:{index}");
            using var scope = new TensorScope();
            var x = ImageBatch.Range(model.Backend, data, index, 1);
            var input = HostImage.FromBatch(x, 0);
            var maps = CouplingMaps.Record(model, x, noiseSeed)[0];
            string path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"couplings_{FileSafe(set)}_{index}.png"));
            InspectionFigures.Couplings(input, maps).Save(path);
            written.Add(("couplings " + label, path));
            all.Add((label, input, maps));

            var z = HostImage.FromBatch(LatentLayout.Eval(model, x, noiseSeed), 0);
            var zAvg = HostImage.FromBatch(LatentLayout.Averaged(model, x, noiseSeed, draws), 0);
            var batch = ImageBatch.Load(model.Backend, data, Enumerable.Range(0, Math.Min(BatchStatisticsBatch, data.Count))
                .Select(k => (index + k) % data.Count).ToArray());
            var zTrain = LatentLayout.BatchStatistics(model, batch, noiseSeed) is { } zb ? HostImage.FromBatch(zb, 0) : null;
            columns.Add(new InspectionFigures.LatentColumn(label, input, z, zAvg, zTrain));
        }
        if (all.Count > 0 && all.Max(a => a.Item3.Count) <= 8)
        {
            string path = Path.Combine(dir, "couplings_all.png");
            InspectionFigures.CouplingsForImages(all).Save(path);
            written.Add(("couplings all", path));
        }
        if (columns.Count > 0)
        {
            string path = Path.Combine(dir, "latents.png");
            InspectionFigures.Latents(columns, draws).Save(path);
            written.Add(("latents", path));
        }
        string samples = Path.Combine(dir, "samples.png");
        InspectionFigures.Samples(model, 9, sampleSeed).Save(samples);
        written.Add(("samples", samples));
        return written;
    }

    /// <summary>Parses "SET:INDEX" (e.g. fashionmnist:4).</summary>
    public static (string Set, int Index) ParseImage(string spec)
    {
        int colon = spec.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(spec[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new ArgumentException($"image '{spec}': expected SET:INDEX with a data set name and a test-split index, e.g. fashionmnist:4");
        return (spec[..colon].Trim(), index);
    }

    private static string FileSafe(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}

using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Figures;
using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// Writes the inspection figures of one model for a few chosen test images (docs/MODELS.md §2 E4, E5, E9, E12):
/// couplings_SET_INDEX.png (every coupling's output, exp(s) and t; Fig. 1b/c), couplings_all.png (all images in one
/// grid, for models with at most 8 couplings: the co-adaptation figure), latents.png (z, z averaged over
/// dequantization draws, and z with BatchNorm batch statistics) and samples.png (3×3); for RGB models also
/// latents_rgb.png and latents_appendix.png, for Glow latents_sigmoid.png, for the cycle-mask model cycle_masks.png
/// (Fig. 13; docs/MODELS.md §7.3, §7.6).
/// </summary>
public static class InspectionArtifacts
{
    /// <summary>The batch size for train-mode BatchNorm latents: the notebook's test batch of 32.</summary>
    public const int BatchStatisticsBatch = 32;

    /// <summary>
    /// Returns (kind, path) of every file written; kinds: "couplings SET:INDEX", "couplings all", "latents", "samples",
    /// and for RGB models "latents rgb" and "latents appendix", for Glow "latents sigmoid", for the cycle-mask model
    /// "cycle masks". <paramref name="latentClip"/> is the [−clip, clip] range of the RGB models' channel views.
    /// </summary>
    public static IReadOnlyList<(string Kind, string Path)> Write(MultiScaleFlow model, IReadOnlyList<(string Set, int Index)> images,
        Func<string, ImageDataset> testSet, string dir, ulong noiseSeed, ulong sampleSeed, int draws = LatentLayout.PaperDraws,
        double latentClip = InspectionFigures.ChannelClip)
    {
        if (!(latentClip > 0) || !double.IsFinite(latentClip))
            throw new ArgumentOutOfRangeException(nameof(latentClip), latentClip, "the latent clip range [−clip, clip] needs a positive clip");
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
            if (model.DataShape[0] == 3)
            {
                string rgb = Path.Combine(dir, "latents_rgb.png");
                InspectionFigures.ColourLatents(columns, draws, latentClip).Save(rgb);
                written.Add(("latents rgb", rgb));
                string appendix = Path.Combine(dir, "latents_appendix.png");
                InspectionFigures.LatentAppendix(columns).Save(appendix);
                written.Add(("latents appendix", appendix));
            }
            if (IsGlow(model))
            {
                string sigmoid = Path.Combine(dir, "latents_sigmoid.png");
                InspectionFigures.SigmoidLatents(columns, draws).Save(sigmoid);
                written.Add(("latents sigmoid", sigmoid));
            }
        }
        if (CycleMasks(model) is { Count: > 0 } masks)
        {
            string path = Path.Combine(dir, "cycle_masks.png");
            CycleMaskDiagram.Grid(masks.Take(CycleMaskDiagram.CycleLength).ToList()).Save(path);
            written.Add(("cycle masks", path));
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

    // The Glow notebook keeps the logit step in its reshape model, so its latent figures show sigmoid(z) (docs/MODELS.md §7.3).
    private static bool IsGlow(MultiScaleFlow model) => model.Config.Name == "glow";

    // The model's couplings' masks when every one is a quadrant mask (the cycle-mask model); else empty.
    private static List<QuadrantMask> CycleMasks(MultiScaleFlow model)
    {
        var masks = model.Couplings().Select(c => c.Mask).ToList();
        return masks.Count > 0 && masks.All(m => m is QuadrantMask) ? masks.Cast<QuadrantMask>().ToList() : [];
    }

    private static string FileSafe(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}

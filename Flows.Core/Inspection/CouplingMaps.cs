using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// Records every coupling layer of a model on a batch of images and puts its output, exp(s) and t back into
/// image layout (docs/MODELS.md §7.2): un-squeeze every squeeze before the layer and re-join the channels factored
/// out before it. Outputs re-join the real factored pieces; exp(s) pads them with ones and t with zeros, as the
/// notebooks do. The pass runs in eval mode with a fixed dequantization draw.
/// </summary>
public static class CouplingMaps
{
    /// <summary>Per image of <paramref name="x"/> ([N, C, H, W] in [0, 1]), the maps of every coupling in forward order.</summary>
    public static IReadOnlyList<IReadOnlyList<CouplingMap>> Record(MultiScaleFlow model, Tensor x, ulong noiseSeed)
    {
        using var eval = EvalPass.Begin(model, noiseSeed);
        using var recorder = new CouplingRecorder();
        using var scope = new TensorScope();
        model.Forward(x);
        var couplings = model.Couplings().ToDictionary(c => c.Name);
        int n = x.Shape[0];
        var perImage = Enumerable.Range(0, n).Select(_ => new List<CouplingMap>()).ToArray();
        for (int k = 0; k < recorder.Traces.Count; k++)
        {
            var trace = recorder.Traces[k];
            var (output, expScale, shift) = ToImageLayout(model, trace);
            string kind = couplings.TryGetValue(trace.Layer, out var layer) ? layer.Mask.Kind : "?";
            for (int i = 0; i < n; i++)
                perImage[i].Add(new CouplingMap(trace.Layer, k + 1, kind,
                    HostImage.FromBatch(output, i), HostImage.FromBatch(expScale, i), HostImage.FromBatch(shift, i)));
        }
        return perImage;
    }

    /// <summary>A trace's output, exp(s) and t in the model's input layout [N, C, H, W].</summary>
    public static (Tensor Output, Tensor ExpScale, Tensor Shift) ToImageLayout(MultiScaleFlow model, CouplingTrace trace)
    {
        var output = model.ToImageLayout(trace.Output, trace.Position, trace.Factored);
        var expScale = model.ToImageLayout(Ops.Exp(trace.LogScale), trace.Position, null, fill: 1f);
        var shift = model.ToImageLayout(trace.Shift, trace.Position, null, fill: 0f);
        return (output, expScale, shift);
    }
}

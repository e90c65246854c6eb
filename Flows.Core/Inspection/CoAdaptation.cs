using Flows.Core.Data;
using Flows.Core.Flows;

namespace Flows.Core.Inspection;

/// <summary>
/// A measure of coupling-layer co-adaptation (docs/MODELS.md §2 E6, §6), ours, not the paper's. A coupling maps the
/// part it transforms to y = (x + t)·exp(s), so −t is its prediction of x there, and the prior rewards small y.
/// For each coupling with a spatial mask we report the relative prediction error
/// Σ_m (x + t)² / Σ_m (x − mean_m x)² over the transformed positions m (1 − R² of the prediction; 1 = no better
/// than the mean), computed twice: with the input the layer really gets (after the earlier couplings), and
/// with the raw logit image in its place (earlier couplings bypassed). Co-adaptation shows as a much smaller
/// error with the real input: the layer reads information that the earlier layers wrote into its conditioning
/// half — for OOD images as well as in-distribution ones.
/// </summary>
public static class CoAdaptation
{
    /// <summary>Mean errors over a set for one coupling layer.</summary>
    public sealed record LayerError(int Number, string Layer, double WithEarlierLayers, double Bypassed);

    public static IReadOnlyList<LayerError> Measure(MultiScaleFlow model, ImageDataset data, int limit, int batchSize, ulong noiseSeed)
    {
        int count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
        var couplings = model.Couplings().ToList();
        var actual = new double[couplings.Count];
        var bypassed = new double[couplings.Count];
        using (EvalPass.Begin(model, noiseSeed))
        {
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = new TensorScope();
                var x = ImageBatch.Range(model.Backend, data, start, Math.Min(batchSize, count - start));
                using var recorder = new CouplingRecorder();
                model.Forward(x);
                var raw = recorder.Traces[0].Input;
                for (int k = 0; k < couplings.Count; k++)
                {
                    var trace = recorder.Traces[k];
                    if (couplings[k].Mask is not SpatialMask mask)
                        throw new ArgumentException($"{model.Name}: co-adaptation is measured for spatial masks; {trace.Layer} has a {couplings[k].Mask.Kind} mask");
                    var shape = trace.Input.Shape[1..];
                    var m = mask.TransformedPattern(shape);
                    actual[k] += Errors(trace.Input.ToArray(), trace.Shift.ToArray(), m).Sum();
                    var shift = ShiftFor(couplings[k], mask, raw);
                    bypassed[k] += Errors(raw.ToArray(), shift, m).Sum();
                }
            }
        }
        return couplings.Select((c, k) => new LayerError(k + 1, c.Name, actual[k] / count, bypassed[k] / count)).ToList();
    }

    /// <summary>Per image: Σ_m (x + t)² / Σ_m (x − mean)², over the positions where m = 1.</summary>
    public static double[] Errors(float[] x, float[] t, float[] m)
    {
        int per = m.Length, n = x.Length / per;
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0, count = 0;
            for (int j = 0; j < per; j++) if (m[j] != 0) { sum += x[i * per + j]; count++; }
            double mean = sum / Math.Max(1, count), residual = 0, spread = 0;
            for (int j = 0; j < per; j++)
            {
                if (m[j] == 0) continue;
                double v = x[i * per + j];
                residual += (v + t[i * per + j]) * (v + t[i * per + j]);
                spread += (v - mean) * (v - mean);
            }
            result[i] = spread > 0 ? residual / spread : 0;
        }
        return result;
    }

    /// <summary>The t a coupling predicts when its st-network sees the raw image's conditioning part.</summary>
    private static float[] ShiftFor(AffineCoupling coupling, SpatialMask mask, Tensor raw)
    {
        var shape = raw.Shape[1..];
        var b = mask.IdentityPattern(shape);
        var host = raw.ToArray();
        for (int i = 0; i < host.Length; i++) host[i] *= b[i % b.Length];
        var masked = Tensor.FromArray(raw.Backend, host, raw.Shape);
        var (_, t) = Ops.ChunkChannels(coupling.StNet.Forward(masked));
        return t.ToArray();
    }
}

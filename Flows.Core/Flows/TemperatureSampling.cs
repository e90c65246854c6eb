using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// Samples at temperature T, as Glow's reduced-temperature samples: x = f⁻¹(z) with z ~ N(0, T²I), i.e. the
/// prior's draw scaled by T. T = 1 is <see cref="FlowModel.Sample"/> itself; T = 0 decodes z = 0 exactly.
/// Kept outside the model so it serves any flow whose inverse takes a flat latent [N, D].
/// </summary>
public static class TemperatureSampling
{
    /// <summary>The check of a user's temperature; names the option in its message.</summary>
    public static void Validate(double temperature, string option = "--temperature")
    {
        if (!(temperature >= 0) || !double.IsFinite(temperature))
            throw new ArgumentException($"{option} must be a finite number >= 0 (z ~ N(0, T²I); 1 = the prior), got {temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }

    /// <summary>count samples from the counter RNG at (seed, offset) at temperature T. Call Eval() first for the paper's samples.</summary>
    public static Tensor Sample(FlowModel model, int count, double temperature, ulong seed, ulong offset = 0)
    {
        Validate(temperature);
        if (temperature == 1) return model.Sample(count, seed, offset);
        using var _ = Autograd.NoGrad();
        var z = Latent(model, count, temperature, seed, offset);
        return model.Inverse(z).Value;
    }

    /// <summary>The latent z ~ N(0, T²I) [count, D]: zeros for T = 0 (not 0·z, which would keep −0 signs).</summary>
    public static Tensor Latent(FlowModel model, int count, double temperature, ulong seed, ulong offset = 0)
    {
        if (temperature == 0) return Tensor.Zeros(model.Backend, count, model.Dimension);
        var z = Tensor.Normal(model.Backend, seed, offset, count, model.Dimension);
        if (temperature != 1) model.Backend.Unary(UnaryOp.Scale, z.Buffer, z.Buffer, z.Length, (float)temperature);
        return z;
    }
}

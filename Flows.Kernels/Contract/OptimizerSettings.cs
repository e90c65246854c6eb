namespace Flows.Kernels;

/// <summary>
/// One Adam step as PyTorch's torch.optim.Adam computes it (coupled L2: g ← g + wd·θ), with the bias
/// corrections of step <see cref="Step"/> (1-based).
/// </summary>
public readonly record struct AdamSettings(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, int Step)
{
    public float BiasCorrection1 => 1f - MathF.Pow(Beta1, Step);
    public float BiasCorrection2 => 1f - MathF.Pow(Beta2, Step);
}

/// <summary>One RMSprop step as torch.optim.RMSprop (not centered, no momentum): v ← αv + (1−α)g²; θ ← θ − lr·g/(√v + ε).</summary>
public readonly record struct RmsPropSettings(float LearningRate, float Alpha, float Epsilon, float WeightDecay);

/// <summary>
/// What a guarded optimizer step reads on the device: the clip coefficient of its parameter group
/// (Coefficients[Group]) and the step's non-finite flag (Flag[0]; not 0 = skip the update).
/// </summary>
public readonly record struct StepGuard(DeviceBuffer Coefficients, int Group, DeviceBuffer Flag);

namespace Flows.Kernels;

/// <summary>
/// The per-step scalars of the multi-tensor optimizer ops (docs/PERFORMANCE.md, "Multi-tensor optimizers"): a small
/// device buffer of <see cref="Stride"/> floats per parameter group, written by one upload before each step, so that
/// a kernel's arguments stay the same from step to step (a captured CUDA graph freezes them) while the learning rate
/// (schedules change it) and Adam's bias corrections move. Slot k·Stride + field holds group k's field.
/// The host forms each value exactly as the per-parameter ops form it from <see cref="AdamSettings"/>, so both
/// paths compute with the same floats.
/// </summary>
public static class StepScalars
{
    public const int Stride = 8;

    /// <summary>Adam: lr / bc1.</summary>
    public const int StepSize = 0;
    /// <summary>Adam: √bc2 (the managed CPU kernel divides by it).</summary>
    public const int SqrtBiasCorrection2 = 1;
    /// <summary>Adam: 1 / √bc2 (the ILGPU kernel multiplies by it).</summary>
    public const int InvSqrtBiasCorrection2 = 2;
    /// <summary>Coupled L2 weight decay: g ← g + wd·θ.</summary>
    public const int WeightDecay = 3;
    /// <summary>AdamW's decoupled decay factor θ ← decay·θ before the step (1 = none).</summary>
    public const int Decay = 4;
    /// <summary>RMSprop: the learning rate.</summary>
    public const int LearningRate = 5;

    /// <summary>The floats a buffer for this many groups needs.</summary>
    public static int Length(int groups) => groups * Stride;

    /// <summary>Writes group k's Adam scalars (step s.Step, coupled decay s.WeightDecay, decoupled factor decay).</summary>
    public static void WriteAdam(Span<float> host, int group, AdamSettings s, float decay)
    {
        var slot = host.Slice(group * Stride, Stride);
        slot.Clear();
        slot[StepSize] = s.LearningRate / s.BiasCorrection1;
        slot[SqrtBiasCorrection2] = MathF.Sqrt(s.BiasCorrection2);
        slot[InvSqrtBiasCorrection2] = 1f / MathF.Sqrt(s.BiasCorrection2);
        slot[WeightDecay] = s.WeightDecay;
        slot[Decay] = decay;
        slot[LearningRate] = s.LearningRate;
    }

    /// <summary>Writes group k's RMSprop scalars.</summary>
    public static void WriteRmsProp(Span<float> host, int group, RmsPropSettings s)
    {
        var slot = host.Slice(group * Stride, Stride);
        slot.Clear();
        slot[WeightDecay] = s.WeightDecay;
        slot[Decay] = 1f;
        slot[LearningRate] = s.LearningRate;
    }
}

/// <summary>
/// The device-side inputs of a multi-tensor optimizer step: the step scalars (<see cref="StepScalars"/>), each group's
/// clip coefficient (Coefficients[k], 1 = no clipping) and the non-finite flag (Flag[0] not 0 = skip the whole step).
/// </summary>
public readonly record struct MultiStepGuard(DeviceBuffer Scalars, DeviceBuffer Coefficients, DeviceBuffer Flag);

/// <summary>
/// Buffers allocated together for one role (parameters, gradients, a moment) of a list of tensors: member i holds
/// Lengths[i] floats. Where <see cref="IsContiguous"/>, the members are adjacent views of one allocation, in order,
/// so a multi-tensor op runs over a whole group of them in one launch; elsewhere (the managed CPU backend, where a
/// launch costs nothing) each member is a buffer of its own. Members are used as ordinary buffers but belong to the
/// pack: dispose the pack, never a member.
/// </summary>
public abstract class PackedBuffers : IDisposable
{
    private bool _disposed;

    protected PackedBuffers(DeviceBuffer[] members, bool isContiguous)
    {
        Members = members;
        IsContiguous = isContiguous;
    }

    public IReadOnlyList<DeviceBuffer> Members { get; }

    public bool IsContiguous { get; }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    protected abstract void Release();
}

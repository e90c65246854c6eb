using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Optimizer updates, one thread per parameter, in place, as PyTorch computes them:
///   Adam     g ← g + wd·θ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
///            θ ← θ − (lr / bc1)·m / (√v / √bc2 + ε)                (torch.optim.Adam's arrangement)
///   RMSprop  g ← g + wd·θ; v ← α·v + (1−α)·g²; θ ← θ − lr·g / (√v + ε)
/// Bias corrections are computed once on the host. Memory bound: Adam moves 16 bytes in and 12 out per parameter.
/// The multi-tensor forms (docs/PERFORMANCE.md, "Multi-tensor optimizers") run over a run of adjacent pack members
/// (a whole parameter group of the flat buffers) in one launch, and read the step size, bias correction, decays and
/// clip coefficient from device buffers (StepScalars), so their arguments stay the same from step to step and a
/// captured CUDA graph can replay them; each element's arithmetic is the guarded kernel's, in the same order.
/// </summary>
internal sealed class OptimizerKernels
{
    private readonly Action<Index1D, AdamArgs> _adam;
    private readonly Action<Index1D, RmsPropArgs> _rmsProp;
    private readonly Action<Index1D, AdamArgs, GuardArgs> _adamGuarded;
    private readonly Action<Index1D, RmsPropArgs, GuardArgs> _rmsPropGuarded;
    private readonly Action<Index1D, AdamArgs, MultiArgs> _adamMulti;
    private readonly Action<Index1D, RmsPropArgs, MultiArgs> _rmsPropMulti;

    public OptimizerKernels(Accelerator accelerator)
    {
        _adam = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, AdamArgs>(AdamKernel));
        _rmsProp = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, RmsPropArgs>(RmsPropKernel));
        _adamGuarded = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, AdamArgs, GuardArgs>(AdamGuardedKernel));
        _rmsPropGuarded = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, RmsPropArgs, GuardArgs>(RmsPropGuardedKernel));
        _adamMulti = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, AdamArgs, MultiArgs>(AdamMultiKernel));
        _rmsPropMulti = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, RmsPropArgs, MultiArgs>(RmsPropMultiKernel));
    }

    /// <summary>
    /// A multi-tensor step's device-side inputs: StepScalars (Stride floats per group), the clip coefficients, the skip
    /// flag, and the group this launch covers (a constant of the launch: the flat buffers' layout never changes).
    /// </summary>
    internal struct MultiArgs
    {
        public ArrayView<float> Scalars, Coefficients, Flag;
        public int Group;
    }

    /// <summary>The views of args cover the run; only Beta1, Beta2 and Epsilon (Alpha, Epsilon) of the scalar fields are read.</summary>
    public void AdamMulti(AdamArgs args, MultiArgs multi, int count)
    {
        if (count > 0) _adamMulti(count, args, multi);
    }

    public void RmsPropMulti(RmsPropArgs args, MultiArgs multi, int count)
    {
        if (count > 0) _rmsPropMulti(count, args, multi);
    }

    internal struct AdamArgs
    {
        public ArrayView<float> Parameter, Gradient, M, V;
        public float Beta1, Beta2, Epsilon, WeightDecay, StepSize, InvSqrtBiasCorrection2;
    }

    internal struct RmsPropArgs
    {
        public ArrayView<float> Parameter, Gradient, SquareAverage;
        public float LearningRate, Alpha, Epsilon, WeightDecay;
    }

    /// <summary>A guarded step's extras: the group's clip coefficient, the skip flag and AdamW's decay factor (1 = none).</summary>
    internal struct GuardArgs
    {
        public ArrayView<float> Coefficients, Flag;
        public int Group;
        public float Decay;
    }

    public void AdamGuarded(AdamArgs args, GuardArgs guard, int count)
    {
        if (count > 0) _adamGuarded(count, args, guard);
    }

    public void RmsPropGuarded(RmsPropArgs args, GuardArgs guard, int count)
    {
        if (count > 0) _rmsPropGuarded(count, args, guard);
    }

    public void Adam(AdamArgs args, int count)
    {
        if (count > 0) _adam(count, args);
    }

    public void RmsProp(RmsPropArgs args, int count)
    {
        if (count > 0) _rmsProp(count, args);
    }

    private static void AdamKernel(Index1D index, AdamArgs p)
    {
        int i = index;
        float theta = p.Parameter[i];
        float g = p.Gradient[i] + p.WeightDecay * theta;
        float m = p.Beta1 * p.M[i] + (1f - p.Beta1) * g;
        float v = p.Beta2 * p.V[i] + (1f - p.Beta2) * g * g;
        p.M[i] = m;
        p.V[i] = v;
        p.Parameter[i] = theta - p.StepSize * m / (DeviceMath.Sqrt(v) * p.InvSqrtBiasCorrection2 + p.Epsilon);
    }

    private static void RmsPropKernel(Index1D index, RmsPropArgs p)
    {
        int i = index;
        float theta = p.Parameter[i];
        float g = p.Gradient[i] + p.WeightDecay * theta;
        float v = p.Alpha * p.SquareAverage[i] + (1f - p.Alpha) * g * g;
        p.SquareAverage[i] = v;
        p.Parameter[i] = theta - p.LearningRate * g / (DeviceMath.Sqrt(v) + p.Epsilon);
    }

    // The flag and the coefficient are the same for every thread, so the branch does not diverge.
    private static void AdamGuardedKernel(Index1D index, AdamArgs p, GuardArgs guard)
    {
        if (guard.Flag[0] != 0f) return;
        int i = index;
        float theta = p.Parameter[i];
        if (guard.Decay != 1f) theta = guard.Decay * theta;
        float g = p.Gradient[i] * guard.Coefficients[guard.Group] + p.WeightDecay * theta;
        float m = p.Beta1 * p.M[i] + (1f - p.Beta1) * g;
        float v = p.Beta2 * p.V[i] + (1f - p.Beta2) * g * g;
        p.M[i] = m;
        p.V[i] = v;
        p.Parameter[i] = theta - p.StepSize * m / (DeviceMath.Sqrt(v) * p.InvSqrtBiasCorrection2 + p.Epsilon);
    }

    private static void RmsPropGuardedKernel(Index1D index, RmsPropArgs p, GuardArgs guard)
    {
        if (guard.Flag[0] != 0f) return;
        int i = index;
        float theta = p.Parameter[i];
        float g = p.Gradient[i] * guard.Coefficients[guard.Group] + p.WeightDecay * theta;
        float v = p.Alpha * p.SquareAverage[i] + (1f - p.Alpha) * g * g;
        p.SquareAverage[i] = v;
        p.Parameter[i] = theta - p.LearningRate * g / (DeviceMath.Sqrt(v) + p.Epsilon);
    }

    // AdamGuardedKernel with its per-step values loaded from the scalar buffer: the same operations in the same order.
    private static void AdamMultiKernel(Index1D index, AdamArgs p, MultiArgs multi)
    {
        if (multi.Flag[0] != 0f) return;
        int i = index;
        int s = multi.Group * StepScalars.Stride;
        float stepSize = multi.Scalars[s + StepScalars.StepSize], invSqrtBc2 = multi.Scalars[s + StepScalars.InvSqrtBiasCorrection2];
        float weightDecay = multi.Scalars[s + StepScalars.WeightDecay], decay = multi.Scalars[s + StepScalars.Decay];
        float theta = p.Parameter[i];
        if (decay != 1f) theta = decay * theta;
        float g = p.Gradient[i] * multi.Coefficients[multi.Group] + weightDecay * theta;
        float m = p.Beta1 * p.M[i] + (1f - p.Beta1) * g;
        float v = p.Beta2 * p.V[i] + (1f - p.Beta2) * g * g;
        p.M[i] = m;
        p.V[i] = v;
        p.Parameter[i] = theta - stepSize * m / (DeviceMath.Sqrt(v) * invSqrtBc2 + p.Epsilon);
    }

    private static void RmsPropMultiKernel(Index1D index, RmsPropArgs p, MultiArgs multi)
    {
        if (multi.Flag[0] != 0f) return;
        int i = index;
        int s = multi.Group * StepScalars.Stride;
        float learningRate = multi.Scalars[s + StepScalars.LearningRate], weightDecay = multi.Scalars[s + StepScalars.WeightDecay];
        float theta = p.Parameter[i];
        float g = p.Gradient[i] * multi.Coefficients[multi.Group] + weightDecay * theta;
        float v = p.Alpha * p.SquareAverage[i] + (1f - p.Alpha) * g * g;
        p.SquareAverage[i] = v;
        p.Parameter[i] = theta - learningRate * g / (DeviceMath.Sqrt(v) + p.Epsilon);
    }
}

using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Optimizer updates, one thread per parameter, in place, as PyTorch computes them:
///   Adam     g ← g + wd·θ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
///            θ ← θ − (lr / bc1)·m / (√v / √bc2 + ε)                (torch.optim.Adam's arrangement)
///   RMSprop  g ← g + wd·θ; v ← α·v + (1−α)·g²; θ ← θ − lr·g / (√v + ε)
/// Bias corrections are computed once on the host. Memory bound: Adam moves 16 bytes in and 12 out per parameter.
/// </summary>
internal sealed class OptimizerKernels
{
    private readonly Action<Index1D, AdamArgs> _adam;
    private readonly Action<Index1D, RmsPropArgs> _rmsProp;
    private readonly Action<Index1D, AdamArgs, GuardArgs> _adamGuarded;
    private readonly Action<Index1D, RmsPropArgs, GuardArgs> _rmsPropGuarded;

    public OptimizerKernels(Accelerator accelerator)
    {
        _adam = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, AdamArgs>(AdamKernel));
        _rmsProp = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, RmsPropArgs>(RmsPropKernel));
        _adamGuarded = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, AdamArgs, GuardArgs>(AdamGuardedKernel));
        _rmsPropGuarded = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, RmsPropArgs, GuardArgs>(RmsPropGuardedKernel));
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
}

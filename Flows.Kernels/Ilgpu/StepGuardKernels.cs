using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Gradient clipping and the non-finite check without a host read (docs/PERFORMANCE.md, "Host synchronisations
/// per step"):
///   SumOfSquaresInto  the group partials of ReductionKernels' SumOfSquares, summed in double by one thread and
///                     added into sums[slot] (where SumOfSquares downloads them)
///   ClipCoefficients  one thread per group: coefficient = min(1, max / (√sum + 1e-6)), flag on a non-finite norm
///   FlagNonFinite     one thread per element; every writer stores the same 1, so the race is harmless
/// </summary>
internal sealed class StepGuardKernels
{
    private const int MaxSplits = 1024;
    private readonly GroupReduction _reduction;
    private readonly IlgpuBufferPool _pool;
    private readonly Action<Index1D, ArrayView<float>, int, ArrayView<float>, int> _addPartials;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> _clip;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>> _flag;

    public StepGuardKernels(Accelerator accelerator, GroupReduction reduction, IlgpuBufferPool pool)
    {
        _reduction = reduction;
        _pool = pool;
        var counter = LaunchCounter.For(accelerator);
        _addPartials = counter.Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int, ArrayView<float>, int>(AddPartialsKernel));
        _clip = counter.Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ClipKernel));
        _flag = counter.Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>>(FlagKernel));
    }

    public void SumOfSquaresInto(ArrayView<float> x, int count, ArrayView<float> sums, int slot)
    {
        using var partials = _pool.Rent(2 * Splits(count));
        SumOfSquaresInto(x, count, sums, slot, partials.View);
    }

    private static int Splits(int count)
    {
        int groupSize = GroupReduction.GroupSizeFor(count);
        return Math.Clamp((count + groupSize * 4 - 1) / (groupSize * 4), 1, MaxSplits);
    }

    /// <summary>The floats the partials of one SumOfSquaresInto need at most.</summary>
    public const int PartialsLength = 2 * MaxSplits;

    /// <summary>
    /// <see cref="SumOfSquaresInto(ArrayView{float}, int, ArrayView{float}, int)"/> with the caller's partials buffer
    /// (<see cref="PartialsLength"/> floats): the multi-tensor path keeps one for good, so its launches see the same
    /// arguments every step (a captured CUDA graph freezes them). Launches on one stream run in order, so one buffer
    /// serves every call of a step.
    /// </summary>
    public void SumOfSquaresInto(ArrayView<float> x, int count, ArrayView<float> sums, int slot, ArrayView<float> partials)
    {
        int splits = Splits(count);
        _reduction.RunPartialsOnly(new ReductionKernels.SquaresOp { X = x }, count, splits, partials);
        _addPartials(1, partials, splits, sums, slot);
    }

    public void ClipCoefficients(ArrayView<float> sums, ArrayView<float> maxNorms, int groups, ArrayView<float> coefficients, ArrayView<float> flag) =>
        _clip(groups, sums.SubView(0, groups), maxNorms, coefficients, flag);

    public void FlagNonFinite(ArrayView<float> x, int count, ArrayView<float> flag) => _flag(count, x, flag);

    private static void AddPartialsKernel(Index1D index, ArrayView<float> partials, int splits, ArrayView<float> sums, int slot)
    {
        double total = 0.0;
        for (int p = 0; p < splits; p++) total += partials[2 * p];
        sums[slot] += (float)total;
    }

    private static void ClipKernel(Index1D k, ArrayView<float> sums, ArrayView<float> maxNorms, ArrayView<float> coefficients, ArrayView<float> flag)
    {
        float norm = DeviceMath.Sqrt(sums[k]);
        if (float.IsNaN(norm) || float.IsInfinity(norm)) flag[0] = 1f;
        float c = maxNorms[k] / (norm + 1e-6f);
        coefficients[k] = c < 1f ? c : 1f;
    }

    private static void FlagKernel(Index1D i, ArrayView<float> x, ArrayView<float> flag)
    {
        float v = x[i];
        if (float.IsNaN(v) || float.IsInfinity(v)) flag[0] = 1f;
    }
}

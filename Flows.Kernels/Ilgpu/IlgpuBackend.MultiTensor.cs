using ILGPU;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The multi-tensor optimizer ops (docs/PERFORMANCE.md, "Multi-tensor optimizers"). Members that lie back to back in
/// one allocation (a pack, <see cref="IlgpuPackedBuffers"/>) in every role and belong to one group form a run, and a
/// run takes one launch: with the optimizer's flat buffers that is one launch per parameter group. Members that are
/// not packed still work, one run (one launch) each.
/// </summary>
public sealed partial class IlgpuBackend
{
    // The norms' partial sums, kept for the backend's life so the reduction's arguments never change between steps.
    private IlgpuBuffer? _multiPartials;

    protected override PackedBuffers AllocatePackedCore(int[] lengths) => IlgpuPackedBuffers.Allocate(this, _pool, lengths);

    protected override void SumOfSquaresMultiCore(DeviceBuffer[] x, int[] counts, int[] groupOf, int groups, DeviceBuffer sums)
    {
        var sumsView = V(sums);
        _elementwise.Fill(sumsView, groups, 0f);
        var partials = (_multiPartials ??= _pool.Rent(StepGuardKernels.PartialsLength)).View;
        foreach (var run in Runs([x], counts, groupOf))
            _stepGuard.SumOfSquaresInto(RunView(x, run), run.Count, sumsView, run.Group, partials);
    }

    protected override void AdamStepMultiCore(DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[] m, DeviceBuffer[] v,
                                              int[] counts, int[] groupOf, int groups, float beta1, float beta2, float epsilon, MultiStepGuard guard)
    {
        foreach (var run in Runs([parameters, gradients, m, v], counts, groupOf))
            _optimizers.AdamMulti(new OptimizerKernels.AdamArgs
            {
                Parameter = RunView(parameters, run), Gradient = RunView(gradients, run), M = RunView(m, run), V = RunView(v, run),
                Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon,
            }, Multi(guard, run.Group), run.Count);
    }

    protected override void RmsPropStepMultiCore(DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[] squareAverage,
                                                 int[] counts, int[] groupOf, int groups, float alpha, float epsilon, MultiStepGuard guard)
    {
        foreach (var run in Runs([parameters, gradients, squareAverage], counts, groupOf))
            _optimizers.RmsPropMulti(new OptimizerKernels.RmsPropArgs
            {
                Parameter = RunView(parameters, run), Gradient = RunView(gradients, run), SquareAverage = RunView(squareAverage, run),
                Alpha = alpha, Epsilon = epsilon,
            }, Multi(guard, run.Group), run.Count);
    }

    private static OptimizerKernels.MultiArgs Multi(MultiStepGuard guard, int group) =>
        new() { Scalars = V(guard.Scalars), Coefficients = V(guard.Coefficients), Flag = V(guard.Flag), Group = group };

    /// <summary>Members First..First+Members−1, Count floats in all, one group, adjacent in every role.</summary>
    private readonly record struct Run(int First, int Members, int Count, int Group);

    private static List<Run> Runs(DeviceBuffer[][] roles, int[] counts, int[] groupOf)
    {
        var runs = new List<Run>();
        int first = 0;
        long count = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            bool extends = i > first && groupOf[i] == groupOf[first] && count + counts[i] <= int.MaxValue;
            for (int r = 0; r < roles.Length && extends; r++)
                extends = Adjacent((IlgpuBuffer)roles[r][i - 1], counts[i - 1], (IlgpuBuffer)roles[r][i]);
            if (!extends && i > first)
            {
                runs.Add(new Run(first, i - first, (int)count, groupOf[first]));
                first = i;
                count = 0;
            }
            count += counts[i];
        }
        if (counts.Length > first) runs.Add(new Run(first, counts.Length - first, (int)count, groupOf[first]));
        return runs;
    }

    // b continues a in one allocation: b's floats start where a's counted ones end.
    private static bool Adjacent(IlgpuBuffer a, int aCount, IlgpuBuffer b) =>
        ReferenceEquals(a.Memory, b.Memory) && a.Offset + aCount == b.Offset;

    private static ArrayView<float> RunView(DeviceBuffer[] role, Run run)
    {
        var first = (IlgpuBuffer)role[run.First];
        return first.Memory.View.SubView(first.Offset, run.Count);
    }
}

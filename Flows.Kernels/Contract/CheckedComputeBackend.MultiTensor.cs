using static Flows.Kernels.Operand;

namespace Flows.Kernels;

/// <summary>
/// The checks of the multi-tensor optimizer ops: every member list has one entry per count and group index, each
/// member passes the per-tensor op's checks (owner, alive, long enough, no aliasing within a member's roles), every
/// group index lies below groups, and the scalars, coefficients and flag hold what the groups need.
/// </summary>
public abstract partial class CheckedComputeBackend
{
    protected abstract PackedBuffers AllocatePackedCore(int[] lengths);
    protected abstract void SumOfSquaresMultiCore(DeviceBuffer[] x, int[] counts, int[] groupOf, int groups, DeviceBuffer sums);
    protected abstract void AdamStepMultiCore(DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[] m, DeviceBuffer[] v,
                                              int[] counts, int[] groupOf, int groups, float beta1, float beta2, float epsilon, MultiStepGuard guard);
    protected abstract void RmsPropStepMultiCore(DeviceBuffer[] parameters, DeviceBuffer[] gradients, DeviceBuffer[] squareAverage,
                                                 int[] counts, int[] groupOf, int groups, float alpha, float epsilon, MultiStepGuard guard);

    public PackedBuffers AllocatePacked(ReadOnlySpan<int> lengths)
    {
        ContractChecks.Live(this, nameof(AllocatePacked));
        foreach (int length in lengths) ContractChecks.Count(nameof(AllocatePacked), "length", length);
        return AllocatePackedCore(lengths.ToArray());
    }

    public void SumOfSquaresMulti(ReadOnlySpan<DeviceBuffer> x, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, DeviceBuffer sums)
    {
        const string name = nameof(SumOfSquaresMulti);
        Members(name, x.Length, counts, groupOf, groups);
        ContractChecks.Operands(this, name, Out("sums", sums, groups));
        for (int i = 0; i < x.Length; i++)
            ContractChecks.Operands(this, name, In(MemberNames.X[i], x[i], counts[i]), Out("sums", sums, groups));
        if (groups == 0) return;
        var lists = MemberLists.Rent();
        try
        {
            SumOfSquaresMultiCore(lists.Buffers(0, x), lists.Ints(0, counts), lists.Ints(1, groupOf), groups, sums);
        }
        finally
        {
            lists.Return();
        }
    }

    public void AdamStepMulti(ReadOnlySpan<DeviceBuffer> parameters, ReadOnlySpan<DeviceBuffer> gradients, ReadOnlySpan<DeviceBuffer> m,
                              ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups,
                              float beta1, float beta2, float epsilon, MultiStepGuard guard)
    {
        const string name = nameof(AdamStepMulti);
        Members(name, parameters.Length, counts, groupOf, groups);
        Lists(name, parameters.Length, ("gradients", gradients.Length), ("m", m.Length), ("v", v.Length));
        Guard(name, groups, guard);
        for (int i = 0; i < parameters.Length; i++)
            ContractChecks.Operands(this, name, Out(MemberNames.Parameters[i], parameters[i], counts[i]),
                                    In(MemberNames.Gradients[i], gradients[i], counts[i]),
                                    Out(MemberNames.M[i], m[i], counts[i]), Out(MemberNames.V[i], v[i], counts[i]));
        if (parameters.Length == 0) return;
        var lists = MemberLists.Rent();
        try
        {
            AdamStepMultiCore(lists.Buffers(0, parameters), lists.Buffers(1, gradients), lists.Buffers(2, m), lists.Buffers(3, v),
                              lists.Ints(0, counts), lists.Ints(1, groupOf), groups, beta1, beta2, epsilon, guard);
        }
        finally
        {
            lists.Return();
        }
    }

    public void RmsPropStepMulti(ReadOnlySpan<DeviceBuffer> parameters, ReadOnlySpan<DeviceBuffer> gradients, ReadOnlySpan<DeviceBuffer> squareAverage,
                                 ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups, float alpha, float epsilon, MultiStepGuard guard)
    {
        const string name = nameof(RmsPropStepMulti);
        Members(name, parameters.Length, counts, groupOf, groups);
        Lists(name, parameters.Length, ("gradients", gradients.Length), ("squareAverage", squareAverage.Length));
        Guard(name, groups, guard);
        for (int i = 0; i < parameters.Length; i++)
            ContractChecks.Operands(this, name, Out(MemberNames.Parameters[i], parameters[i], counts[i]),
                                    In(MemberNames.Gradients[i], gradients[i], counts[i]),
                                    Out(MemberNames.SquareAverage[i], squareAverage[i], counts[i]));
        if (parameters.Length == 0) return;
        var lists = MemberLists.Rent();
        try
        {
            RmsPropStepMultiCore(lists.Buffers(0, parameters), lists.Buffers(1, gradients), lists.Buffers(2, squareAverage),
                                 lists.Ints(0, counts), lists.Ints(1, groupOf), groups, alpha, epsilon, guard);
        }
        finally
        {
            lists.Return();
        }
    }

    private void Members(string name, int members, ReadOnlySpan<int> counts, ReadOnlySpan<int> groupOf, int groups)
    {
        ContractChecks.Live(this, name);
        ContractChecks.Count(name, "groups", groups);
        Lists(name, members, ("counts", counts.Length), ("groupOf", groupOf.Length));
        for (int i = 0; i < members; i++)
        {
            // The name is formatted only for the message: a per-member string on every call was the step's largest allocation.
            if (counts[i] < 0) ContractChecks.Count(name, $"counts[{i}]", counts[i]);
            if (groupOf[i] < 0 || groupOf[i] >= groups)
                throw ContractChecks.Bad(name, $"groupOf[{i}] is not a group index", $"0 to {groups - 1}", groupOf[i]);
        }
    }

    private static void Lists(string name, int members, params ReadOnlySpan<(string What, int Length)> lists)
    {
        foreach (var (what, length) in lists)
            if (length != members) throw ContractChecks.Bad(name, $"{what} must list one entry per member", $"{members} entries", length);
    }

    private void Guard(string name, int groups, MultiStepGuard guard) =>
        ContractChecks.Operands(this, name, In("guard.Scalars", guard.Scalars, StepScalars.Length(groups)),
                                In("guard.Coefficients", guard.Coefficients, groups), In("guard.Flag", guard.Flag, 1));
}

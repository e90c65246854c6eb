namespace Flows.Kernels.Cpu;

/// <summary>
/// The managed CPU backend's <see cref="PackedBuffers"/>: one pooled buffer per member. A CPU "launch" costs nothing,
/// so there is nothing to gain from one allocation; the multi-tensor kernels walk the members in one parallel pass.
/// </summary>
internal sealed class CpuPackedBuffers(DeviceBuffer[] members) : PackedBuffers(members, isContiguous: false)
{
    protected override void Release()
    {
        foreach (var member in Members) member.Dispose();
    }
}

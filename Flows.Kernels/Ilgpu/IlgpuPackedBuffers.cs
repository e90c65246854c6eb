namespace Flows.Kernels.Ilgpu;

/// <summary>
/// The ILGPU backend's <see cref="PackedBuffers"/>: one pooled allocation holding every member back to back, each
/// member a view at its offset (docs/PERFORMANCE.md, "Multi-tensor optimizers"), so that a multi-tensor op covers a
/// run of adjacent members with one launch.
/// </summary>
internal sealed class IlgpuPackedBuffers : PackedBuffers
{
    private readonly IlgpuBuffer _whole;

    private IlgpuPackedBuffers(IlgpuBuffer whole, DeviceBuffer[] members) : base(members, isContiguous: true) => _whole = whole;

    public static IlgpuPackedBuffers Allocate(IlgpuBackend backend, IlgpuBufferPool pool, int[] lengths)
    {
        long total = 0;
        foreach (int length in lengths) total += length;
        if (total > int.MaxValue) throw new ArgumentException($"AllocatePacked: {total} floats exceed one allocation (at most {int.MaxValue})");
        var whole = pool.Rent((int)total);
        var members = new DeviceBuffer[lengths.Length];
        int offset = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            members[i] = new IlgpuBuffer(backend, whole.Memory, offset, lengths[i]);
            offset += lengths[i];
        }
        return new IlgpuPackedBuffers(whole, members);
    }

    protected override void Release()
    {
        foreach (var member in Members) member.Dispose();
        _whole.Dispose();
    }
}

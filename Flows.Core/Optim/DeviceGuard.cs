using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// The device buffers of <see cref="Optimizer.ClipAndStep"/>: one sum of squares, one maximum norm (+∞ for a group
/// without one, which never clips) and one clip coefficient per parameter group. The maxima are uploaded once.
/// The multi-tensor path adds the per-step scalars (<see cref="StepScalars"/>, one upload a step) and, for an
/// unclipped <see cref="Optimizer.Step"/>, coefficients of 1 and a flag that stays 0.
/// </summary>
internal sealed class DeviceGuard : IDisposable
{
    private readonly Dictionary<ParameterGroup, int> _index = new(ReferenceEqualityComparer.Instance);

    public DeviceGuard(IComputeBackend backend, IReadOnlyList<ParameterGroup> groups)
    {
        Backend = backend;
        var maxima = new float[groups.Count];
        for (int k = 0; k < groups.Count; k++)
        {
            _index[groups[k]] = k;
            maxima[k] = groups[k].MaxGradNorm ?? float.PositiveInfinity;
        }
        Sums = backend.Allocate(groups.Count);
        MaxNorms = backend.Allocate(groups.Count);
        Coefficients = backend.Allocate(groups.Count);
        backend.Upload(maxima, MaxNorms);
        HostScalars = new float[StepScalars.Length(groups.Count)];
        Scalars = backend.Allocate(HostScalars.Length);
        Ones = backend.Allocate(groups.Count);
        backend.Fill(Ones, 1f);
        ZeroFlag = backend.Allocate(1);
        backend.Fill(ZeroFlag, 0f);
    }

    public IComputeBackend Backend { get; }
    public DeviceBuffer Sums { get; }
    public DeviceBuffer MaxNorms { get; }
    public DeviceBuffer Coefficients { get; }
    public float[] HostScalars { get; }
    public DeviceBuffer Scalars { get; }
    public DeviceBuffer Ones { get; }
    public DeviceBuffer ZeroFlag { get; }

    public int GroupIndex(ParameterGroup group) => _index[group];

    public void Dispose()
    {
        Sums.Dispose();
        MaxNorms.Dispose();
        Coefficients.Dispose();
        Scalars.Dispose();
        Ones.Dispose();
        ZeroFlag.Dispose();
    }
}

namespace Flows.Kernels.Cases;

/// <summary>
/// One row of the kernel case table: a kernel at one shape (and kernel version, 0 where there is only one),
/// how big it is (<see cref="CaseSize"/>), how to set up its inputs, how to run it on any backend, which
/// outputs to compare and within what error, the bytes and FLOPs one run moves and performs (for GB/s and
/// GFLOP/s), and, where the row has one, its plain-loop reference (Flows.Kernels/Reference) computed from the
/// host copies of the inputs. Outputs named "scalar:NAME" are numbers the run stores in CaseBuffers.Scalars.
/// </summary>
public sealed record KernelCase(
    string Kernel,
    string Shape,
    int Version,
    double Bytes,
    double Flops,
    double Tolerance,
    Action<CaseBuffers> Setup,
    Action<IComputeBackend, CaseBuffers> Run,
    string[] Outputs)
{
    public CaseSize Size { get; init; } = CaseSize.Small;

    /// <summary>The expected value of every output from the inputs' host copies, or null where the row has none.</summary>
    public Func<CaseBuffers, IReadOnlyDictionary<string, double[]>>? Reference { get; init; }

    public override string ToString() => $"{Kernel} {Shape}{(Version == 0 ? "" : $" v{Version}")}";
}

/// <summary>Which runs take a row: the small rows fit ILGPU's slow CPU simulator, the paper rows are the models' real shapes.</summary>
public enum CaseSize
{
    /// <summary>Seconds on the ILGPU CPU simulator: the NUnit tests and gpu-check --quick.</summary>
    Small,

    /// <summary>The paper models' shapes (RealNVP, Glow, ResNet-18): gpu-check on a GPU.</summary>
    Paper,
}

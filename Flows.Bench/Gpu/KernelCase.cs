using Flows.Kernels;

namespace Flows.Bench.Gpu;

/// <summary>
/// One row of gpu-check: a kernel at one shape (and kernel version, 0 where there is only one), how to set
/// up its inputs, how to run it on any backend, which outputs to compare and within what error, and the bytes
/// and FLOPs one run moves and performs (for GB/s and GFLOP/s).
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
    string[] Outputs);

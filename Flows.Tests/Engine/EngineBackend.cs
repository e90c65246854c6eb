using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Engine;

/// <summary>The backend the engine tests run on: one managed CPU backend shared by every engine test.</summary>
public static class EngineBackend
{
    private static readonly Lazy<IComputeBackend> Shared = new(() => new ManagedCpuBackend());

    public static IComputeBackend Cpu => Shared.Value;
}

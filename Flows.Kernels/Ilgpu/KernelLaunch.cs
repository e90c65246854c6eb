namespace Flows.Kernels.Ilgpu;

/// <summary>
/// One kernel launch as <see cref="LaunchCounter"/> sees it: which kernel (its loaded delegate and a name), the
/// argument values, and a closure that runs it on the backend's stream (<see cref="LaunchTrace"/> compares them).
/// </summary>
internal sealed record KernelLaunch(string Kernel, object Loaded, object?[] Arguments, Action Run);

/// <summary>Receives the launches of <see cref="LaunchCounter"/> while set: a trace records and runs them, a capture records them.</summary>
internal interface ILaunchInterceptor
{
    void Launch(KernelLaunch launch);
}

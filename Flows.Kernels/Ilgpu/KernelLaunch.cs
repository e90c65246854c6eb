namespace Flows.Kernels.Ilgpu;

/// <summary>
/// One kernel launch as <see cref="LaunchCounter"/> sees it: which kernel (its loaded delegate and a name), the
/// argument values, and a closure that runs it on the backend's stream. Two launches are the same when they run the
/// same kernel with equal arguments (views compare by buffer, offset and length): the test for a replayable step.
/// </summary>
internal sealed record KernelLaunch(string Kernel, object Loaded, object?[] Arguments, Action Run)
{
    public bool SameAs(KernelLaunch other) =>
        ReferenceEquals(Loaded, other.Loaded) && Arguments.AsSpan().SequenceEqual(other.Arguments);
}

/// <summary>Receives the launches of <see cref="LaunchCounter"/> while set: a trace records and runs them, a capture records them.</summary>
internal interface ILaunchInterceptor
{
    void Launch(KernelLaunch launch);
}

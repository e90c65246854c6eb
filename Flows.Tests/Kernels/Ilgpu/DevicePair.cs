using Flows.Kernels;

namespace Flows.Tests.Kernels.Ilgpu;

/// <summary>The same data on the device under test and on the managed CPU reference.</summary>
public sealed record DevicePair(DeviceBuffer Device, DeviceBuffer Reference, int Length);

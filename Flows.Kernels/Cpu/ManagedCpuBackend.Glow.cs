namespace Flows.Kernels.Cpu;

/// <summary>Glow's fused step ops on the managed CPU (<see cref="GlowStepKernels"/>).</summary>
public sealed partial class ManagedCpuBackend
{
    protected override void BroadcastScaledSumCore(DeviceBuffer x, int count, float factor, DeviceBuffer? addend, DeviceBuffer y, int length) =>
        GlowStepKernels.BroadcastScaledSum(A(x), count, factor, OptionalA(addend), A(y), length);

    protected override void ChannelCouplingForwardCore(DeviceBuffer input, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer? addend,
                                                       DeviceBuffer output, DeviceBuffer logdet, Ncs shape, int changeOffset, bool inverse) =>
        GlowStepKernels.ChannelCouplingForward(A(input), A(st), A(scale), OptionalA(addend), A(output), A(logdet), shape, changeOffset, inverse);

    protected override void AddChannelsCore(DeviceBuffer source, int count, DeviceBuffer destination, int destinationChannels,
                                            int destinationOffset, int batch, int spatial) =>
        GlowStepKernels.AddChannels(A(source), count, A(destination), destinationChannels, destinationOffset, batch, spatial);

    protected override void ChannelCouplingBackwardCore(DeviceBuffer x, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer dy, DeviceBuffer dlogdet,
                                                        DeviceBuffer dx, DeviceBuffer dst, DeviceBuffer dscale, Ncs shape, int changeOffset) =>
        GlowStepKernels.ChannelCouplingBackward(A(x), A(st), A(scale), A(dy), A(dlogdet), A(dx), A(dst), A(dscale), shape, changeOffset);
}

namespace Flows.Kernels.Ilgpu;

/// <summary>Glow's fused step ops on ILGPU (<see cref="GlowStepKernels"/>).</summary>
public sealed partial class IlgpuBackend
{
    protected override void BroadcastScaledSumCore(DeviceBuffer x, int count, float factor, DeviceBuffer? addend, DeviceBuffer y, int length) =>
        _glowStep.BroadcastScaledSum(V(x), count, factor, addend is null ? default : V(addend), addend is not null, V(y), length);

    protected override void ChannelCouplingForwardCore(DeviceBuffer input, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer? addend,
                                                       DeviceBuffer output, DeviceBuffer logdet, Ncs shape, int changeOffset, bool inverse) =>
        _glowStep.CouplingForward(new GlowStepKernels.CouplingForwardOp
        {
            In = V(input), St = V(st), Scale = V(scale), Out = V(output), LogDet = V(logdet),
            Addend = addend is null ? default : V(addend), HasAddend = addend is null ? 0 : 1,
            Inverse = inverse ? 1 : 0, Half = shape.C / 2, S = shape.S, ChangeOffset = changeOffset,
        }, shape);

    protected override void AddChannelsCore(DeviceBuffer source, int count, DeviceBuffer destination, int destinationChannels,
                                            int destinationOffset, int batch, int spatial) =>
        _glowStep.AddChannels(V(source), count, V(destination), destinationChannels, destinationOffset, batch, spatial);

    protected override void ChannelCouplingBackwardCore(DeviceBuffer x, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer dy, DeviceBuffer dlogdet,
                                                        DeviceBuffer dx, DeviceBuffer dst, DeviceBuffer dscale, Ncs shape, int changeOffset) =>
        _glowStep.CouplingBackward(new GlowStepKernels.CouplingBackwardOp
        {
            X = V(x), St = V(st), Scale = V(scale), Dy = V(dy), DLogDet = V(dlogdet), Dx = V(dx), DSt = V(dst), DScale = V(dscale),
            Half = shape.C / 2, S = shape.S, ChangeOffset = changeOffset,
        }, shape);
}

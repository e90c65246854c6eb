using static Flows.Kernels.Operand;

namespace Flows.Kernels;

/// <summary>The checks of Glow's fused step ops (the broadcast log-determinant, the channel-wise coupling, adding into channels).</summary>
public abstract partial class CheckedComputeBackend
{
    public void BroadcastScaledSum(DeviceBuffer x, int count, float factor, DeviceBuffer? addend, DeviceBuffer y, int length)
    {
        const string name = nameof(BroadcastScaledSum);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Count(name, "length", length);
        ContractChecks.Operands(this, name, In("x", x, count), OptionalIn("addend", addend, length), Out("y", y, length));
        if (length > 0) BroadcastScaledSumCore(x, count, factor, addend, y, length);
    }

    public void ChannelCouplingForward(DeviceBuffer input, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer? addend, DeviceBuffer output,
                                       DeviceBuffer logdet, Ncs shape, int changeOffset, bool inverse)
    {
        const string name = nameof(ChannelCouplingForward);
        CheckChannelCoupling(name, shape, changeOffset);
        int l = shape.Length;
        ContractChecks.Operands(this, name, In(inverse ? "y" : "x", input, l), In("st", st, l), In("scale", scale, shape.C / 2),
                                OptionalIn("addend", addend, shape.N), Out(inverse ? "x" : "y", output, l), Out("logdet", logdet, shape.N));
        ChannelCouplingForwardCore(input, st, scale, addend, output, logdet, shape, changeOffset, inverse);
    }

    public void ChannelCouplingBackward(DeviceBuffer x, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer dy, DeviceBuffer dlogdet,
                                        DeviceBuffer dx, DeviceBuffer dst, DeviceBuffer dscale, Ncs shape, int changeOffset)
    {
        const string name = nameof(ChannelCouplingBackward);
        CheckChannelCoupling(name, shape, changeOffset);
        int l = shape.Length;
        ContractChecks.Operands(this, name, In("x", x, l), In("st", st, l), In("scale", scale, shape.C / 2), In("dy", dy, l),
                                In("dlogdet", dlogdet, shape.N), Out("dx", dx, l), Out("dst", dst, l), Out("dscale", dscale, shape.C / 2));
        ChannelCouplingBackwardCore(x, st, scale, dy, dlogdet, dx, dst, dscale, shape, changeOffset);
    }

    public void AddChannels(DeviceBuffer source, int count, DeviceBuffer destination, int destinationChannels, int destinationOffset,
                            int batch, int spatial)
    {
        const string name = nameof(AddChannels);
        ContractChecks.Count(name, "count", count);
        ContractChecks.Count(name, "batch", batch);
        ContractChecks.Count(name, "spatial", spatial);
        if (destinationOffset < 0 || destinationOffset + count > destinationChannels)
            throw ContractChecks.Bad(name, "the destination channels are out of range",
                                     $"[offset, offset + count) within [0, {destinationChannels})", $"[{destinationOffset}, {destinationOffset + count})");
        ContractChecks.Operands(this, name, In("source", source, batch * count * spatial),
                                Out("destination", destination, batch * destinationChannels * spatial));
        if (count > 0 && batch > 0 && spatial > 0)
            AddChannelsCore(source, count, destination, destinationChannels, destinationOffset, batch, spatial);
    }

    private static void CheckChannelCoupling(string op, Ncs shape, int changeOffset)
    {
        ContractChecks.Shape(op, "shape", shape);
        if (shape.C % 2 != 0) throw ContractChecks.Bad(op, "needs an even channel count to split in halves", "C even", shape.C);
        if (changeOffset != 0 && changeOffset != shape.C / 2)
            throw ContractChecks.Bad(op, "transforms the first or the second half of the channels", $"changeOffset 0 or {shape.C / 2}", changeOffset);
    }

    protected abstract void BroadcastScaledSumCore(DeviceBuffer x, int count, float factor, DeviceBuffer? addend, DeviceBuffer y, int length);
    protected abstract void ChannelCouplingForwardCore(DeviceBuffer input, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer? addend,
                                                       DeviceBuffer output, DeviceBuffer logdet, Ncs shape, int changeOffset, bool inverse);
    protected abstract void AddChannelsCore(DeviceBuffer source, int count, DeviceBuffer destination, int destinationChannels,
                                            int destinationOffset, int batch, int spatial);
    protected abstract void ChannelCouplingBackwardCore(DeviceBuffer x, DeviceBuffer st, DeviceBuffer scale, DeviceBuffer dy, DeviceBuffer dlogdet,
                                                        DeviceBuffer dx, DeviceBuffer dst, DeviceBuffer dscale, Ncs shape, int changeOffset);
}

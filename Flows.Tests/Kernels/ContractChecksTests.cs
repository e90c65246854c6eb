using Flows.Kernels;
using Flows.Kernels.Cpu;
using Flows.Kernels.Ilgpu;

namespace Flows.Tests.Kernels;

/// <summary>
/// Every contract method called wrongly on both backends (ILGPU on its CPU accelerator): both must reject the
/// call with the same exception type and the same message, because both go through CheckedComputeBackend.
/// </summary>
[TestFixture]
public sealed class ContractChecksTests
{
    private ManagedCpuBackend _cpu = null!;
    private IlgpuBackend _ilgpu = null!;
    private ManagedCpuBackend _stranger = null!;

    [OneTimeSetUp]
    public void CreateBackends()
    {
        _cpu = new ManagedCpuBackend();
        _ilgpu = IlgpuBackend.CreateCpuSimulator();
        _stranger = new ManagedCpuBackend();
    }

    [OneTimeTearDown]
    public void DisposeBackends()
    {
        _cpu?.Dispose();
        _ilgpu?.Dispose();
        _stranger?.Dispose();
    }

    /// <summary>One wrong call, the exception it must raise, and a word the message must contain.</summary>
    public sealed record BadCall(string Name, Type Expected, string MessagePart, Action<IComputeBackend, Kit> Call)
    {
        public override string ToString() => Name;
    }

    /// <summary>Distinct live buffers of 64 elements (k[0], k[1], …), a short one, a disposed one and a foreign one.</summary>
    public sealed class Kit(IComputeBackend backend, IComputeBackend stranger) : IDisposable
    {
        private readonly List<DeviceBuffer> _owned = [];
        private DeviceBuffer? _disposed;

        public DeviceBuffer this[int index]
        {
            get
            {
                while (_owned.Count <= index)
                {
                    var buffer = backend.Allocate(64);
                    backend.Fill(buffer, 0.5f);
                    _owned.Add(buffer);
                }
                return _owned[index];
            }
        }

        public DeviceBuffer Short => _short ??= backend.Allocate(3);
        private DeviceBuffer? _short;

        public DeviceBuffer Foreign => _foreign ??= stranger.Allocate(64);
        private DeviceBuffer? _foreign;

        public DeviceBuffer Disposed
        {
            get
            {
                if (_disposed is null)
                {
                    _disposed = backend.Allocate(64);
                    _disposed.Dispose();
                }
                return _disposed;
            }
        }

        public void Dispose()
        {
            foreach (var buffer in _owned) buffer.Dispose();
            _short?.Dispose();
            _foreign?.Dispose();
        }
    }

    private static readonly Ncs Shape = new(2, 3, 4);
    private static readonly ConvGeometry Conv = ConvGeometry.Same(1, 2, 3, 3, 2, 3);
    private static readonly PoolGeometry Pool = new(1, 2, 4, 4, 2, 2, 0);
    private static readonly AdamSettings Adam = new(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1);
    private static readonly RmsPropSettings Rms = new(1e-3f, 0.99f, 1e-8f, 0f);

    private static BadCall Arg(string name, string part, Action<IComputeBackend, Kit> call) => new(name, typeof(ArgumentException), part, call);

    public static IEnumerable<BadCall> BadCalls()
    {
        // memory
        yield return Arg("Allocate negative", "length must not be negative", (b, k) => b.Allocate(-1));
        yield return Arg("Upload too long", "destination is too short", (b, k) => b.Upload(new float[65], k[0]));
        yield return Arg("Download too long", "source is too short", (b, k) => b.Download(k[0], new float[65]));
        yield return Arg("Fill foreign", "belongs to another backend", (b, k) => b.Fill(k.Foreign, 0f));
        yield return new("Fill disposed", typeof(ObjectDisposedException), "destination is disposed", (b, k) => b.Fill(k.Disposed, 0f));
        yield return new("Copy null", typeof(ArgumentNullException), "source is missing", (b, k) => b.Copy(null!, k[0], 4));
        yield return Arg("Copy negative", "count must not be negative", (b, k) => b.Copy(k[0], k[1], -1));
        yield return Arg("Copy in place", "source and destination are the same buffer", (b, k) => b.Copy(k[0], k[0], 4));
        // element-wise
        yield return Arg("Unary short", "y is too short", (b, k) => b.Unary(UnaryOp.Exp, k[0], k.Short, 10));
        yield return new("Unary disposed", typeof(ObjectDisposedException), "x is disposed", (b, k) => b.Unary(UnaryOp.Exp, k.Disposed, k[0], 10));
        yield return Arg("UnaryBackward dx = dy", "dy and dx are the same buffer",
                         (b, k) => b.UnaryBackward(UnaryOp.Tanh, k[0], k[1], k[2], k[2], 10));
        yield return Arg("HighwayGate y = a", "a and y are the same buffer", (b, k) => b.HighwayGate(k[0], k[1], k[2], k[0], 10));
        yield return Arg("HighwayGateBackward da = dt", "da and dt are the same buffer",
                         (b, k) => b.HighwayGateBackward(k[0], k[1], k[2], k[3], k[4], k[4], k[5], 10));
        yield return Arg("Binary shapes", "cannot be broadcast",
                         (b, k) => b.Binary(BinaryOp.Add, k[0], new Ncs(1, 2, 3), k[1], new Ncs(1, 3, 2), k[2]));
        yield return Arg("Binary zero axis", "every axis of aShape must be positive",
                         (b, k) => b.Binary(BinaryOp.Add, k[0], new Ncs(0, 2, 3), k[1], new Ncs(1, 2, 3), k[2]));
        yield return Arg("Binary c = broadcast b", "b and c are the same buffer",
                         (b, k) => b.Binary(BinaryOp.Add, k[0], Shape, k[1], new Ncs(1, 3, 1), k[1]));
        yield return Arg("Binary c = broadcast a", "a and c are the same buffer",
                         (b, k) => b.Binary(BinaryOp.Mul, k[0], new Ncs(1, 3, 1), k[1], Shape, k[0]));
        yield return Arg("Axpy y = x", "x and y are the same buffer", (b, k) => b.Axpy(1f, k[0], k[0], 10));
        // reductions
        yield return Arg("SumTo bad target", "cannot sum", (b, k) => b.SumTo(k[0], Shape, k[1], new Ncs(1, 2, 1)));
        yield return Arg("SumTo y = x", "x and y are the same buffer", (b, k) => b.SumTo(k[0], Shape, k[0], new Ncs(1, 3, 1)));
        yield return Arg("ChannelMoments zero axis", "every axis of shape must be positive",
                         (b, k) => b.ChannelMoments(k[0], new Ncs(2, 0, 4), k[1], k[2]));
        yield return Arg("ChannelMoments mean = variance", "mean and variance are the same buffer",
                         (b, k) => b.ChannelMoments(k[0], Shape, k[1], k[1]));
        yield return Arg("SumOfSquares short", "x is too short", (b, k) => b.SumOfSquares(k.Short, 10));
        // layout
        yield return Arg("CopyChannels out of range", "source channels are out of range",
                         (b, k) => b.CopyChannels(k[0], 3, 2, k[1], 3, 0, 2, 1, 4));
        yield return Arg("CopyChannels in place", "source and destination are the same buffer",
                         (b, k) => b.CopyChannels(k[0], 4, 0, k[0], 4, 2, 2, 1, 4));
        yield return Arg("Squeeze2x2 odd height", "even height and width", (b, k) => b.Squeeze2x2(k[0], k[1], 1, 1, 3, 4));
        yield return Arg("Unsqueeze2x2 zero batch", "even height and width", (b, k) => b.Unsqueeze2x2(k[0], k[1], 0, 1, 2, 2));
        yield return Arg("Squeeze2x2 in place", "x and y are the same buffer", (b, k) => b.Squeeze2x2(k[0], k[0], 1, 2, 2, 2));
        // dense linear algebra
        yield return Arg("MatMul negative", "sizes must not be negative", (b, k) => b.MatMul(k[0], k[1], k[2], -1, 2, 2));
        yield return Arg("MatMul short b", "b is too short", (b, k) => b.MatMul(k[0], k.Short, k[2], 2, 2, 2));
        yield return Arg("MatMul c = a", "a and c are the same buffer", (b, k) => b.MatMul(k[0], k[1], k[0], 2, 2, 2));
        yield return Arg("Conv2dForward even kernel", "kernel size must be odd",
                         (b, k) => b.Conv2dForward(k[0], k[1], null, k[2], new ConvGeometry(1, 1, 3, 3, 1, 2, 1)));
        yield return Arg("Conv2dForward stride 0", "stride must be 1 or more",
                         (b, k) => b.Conv2dForward(k[0], k[1], null, k[2], new ConvGeometry(1, 1, 3, 3, 1, 3, 1, 0)));
        yield return Arg("Conv2dForward short bias", "bias is too short",
                         (b, k) => b.Conv2dForward(k[0], k[1], k.Short, k[2], ConvGeometry.Same(1, 1, 3, 3, 4, 3)));
        yield return Arg("Conv2dForward y = x", "x and y are the same buffer", (b, k) => b.Conv2dForward(k[0], k[1], null, k[0], Conv));
        yield return Arg("Conv2dBackwardData no output", "gives no output",
                         (b, k) => b.Conv2dBackwardData(k[0], k[1], k[2], new ConvGeometry(1, 1, 3, 3, 1, 7, 1, 2)));
        yield return Arg("Conv2dBackwardWeight dw = x", "x and dw are the same buffer",
                         (b, k) => b.Conv2dBackwardWeight(k[0], k[1], k[0], Conv));
        // pooling
        yield return Arg("MaxPool2dForward padding", "padding must be below the kernel size",
                         (b, k) => b.MaxPool2dForward(k[0], k[1], new PoolGeometry(1, 1, 6, 6, 3, 1, 3)));
        yield return Arg("MaxPool2dBackward short dx", "dx is too short", (b, k) => b.MaxPool2dBackward(k[0], k[1], k[2], k.Short, Pool));
        // normalization
        yield return Arg("BatchNormApply zero axis", "every axis of shape must be positive",
                         (b, k) => b.BatchNormApply(k[0], k[1], k[2], k[3], k[4], k[5], new Ncs(2, 3, 0)));
        yield return Arg("BatchNormBackward dgamma = dbeta", "dgamma and dbeta are the same buffer",
                         (b, k) => b.BatchNormBackward(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[6], Shape, true));
        yield return Arg("BatchNormBackward short reluOutput", "reluOutput is too short",
                         (b, k) => b.BatchNormBackward(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], Shape, true, k.Short));
        // flow layers
        yield return Arg("CouplingForward short logdet", "logdet is too short",
                         (b, k) => b.CouplingForward(k[0], k[1], k[2], k[3], null, k[4], k.Short, new Ncs(4, 1, 2)));
        yield return Arg("CouplingInverse x = y", "y and x are the same buffer",
                         (b, k) => b.CouplingInverse(k[0], k[1], k[2], k[3], null, k[0], k[4], Shape));
        yield return Arg("CouplingBackward short mask", "mask is too short",
                         (b, k) => b.CouplingBackward(k[0], k[1], k[2], k[3], k.Short, k[4], k[5], k[6], k[7], k[8], k[9], Shape));
        yield return Arg("ActNormForward short bias", "bias is too short",
                         (b, k) => b.ActNormForward(k[0], k.Short, k[1], k[2], new Ncs(1, 4, 2)));
        yield return Arg("ActNormInverse x = y", "y and x are the same buffer", (b, k) => b.ActNormInverse(k[0], k[1], k[2], k[0], Shape));
        yield return Arg("ActNormBackward dbias = dlogScale", "dbias and dlogScale are the same buffer",
                         (b, k) => b.ActNormBackward(k[0], k[1], k[2], k[3], k[4], k[5], k[5], Shape));
        yield return Arg("Conv1x1 short weight", "weight is too short", (b, k) => b.Conv1x1(k[0], k.Short, k[1], Shape));
        yield return Arg("Conv1x1 y = x", "x and y are the same buffer", (b, k) => b.Conv1x1(k[0], k[1], k[0], Shape));
        // optimizers and random numbers
        yield return Arg("AdamStep step 0", "step must be 1 or more", (b, k) => b.AdamStep(k[0], k[1], k[2], k[3], 10, Adam with { Step = 0 }));
        yield return Arg("AdamStep gradient = parameter", "parameter and gradient are the same buffer",
                         (b, k) => b.AdamStep(k[0], k[0], k[2], k[3], 10, Adam));
        yield return Arg("RmsPropStep short state", "squareAverage is too short", (b, k) => b.RmsPropStep(k[0], k[1], k.Short, 10, Rms));
        // multi-tensor optimizers
        yield return Arg("AllocatePacked negative", "length must not be negative", (b, k) => b.AllocatePacked([4, -1]).Dispose());
        yield return Arg("SumOfSquaresMulti bad group", "groupOf[1] is not a group index",
                         (b, k) => b.SumOfSquaresMulti([k[0], k[1]], [10, 10], [0, 2], 2, k[2]));
        yield return Arg("AdamStepMulti m = v", "m[1] and v[1] are the same buffer",
                         (b, k) => b.AdamStepMulti([k[0], k[1]], [k[2], k[3]], [k[4], k[5]], [k[6], k[5]], [10, 10], [0, 0], 1, 0.9f, 0.999f, 1e-8f,
                                                   new MultiStepGuard(k[7], k[8], k[9])));
        yield return Arg("AdamStepMulti lists", "gradients must list one entry per member",
                         (b, k) => b.AdamStepMulti([k[0], k[1]], [k[2]], [k[4], k[5]], [k[6], k[7]], [10, 10], [0, 0], 1, 0.9f, 0.999f, 1e-8f,
                                                   new MultiStepGuard(k[7], k[8], k[9])));
        yield return Arg("RmsPropStepMulti short scalars", "guard.Scalars is too short",
                         (b, k) => b.RmsPropStepMulti([k[0]], [k[1]], [k[2]], [10], [0], 1, 0.99f, 1e-8f, new MultiStepGuard(k.Short, k[8], k[9])));
        yield return Arg("FillUniform negative", "count must not be negative", (b, k) => b.FillUniform(k[0], -5, 1, 0));
        yield return new("FillNormal disposed", typeof(ObjectDisposedException), "destination is disposed",
                         (b, k) => b.FillNormal(k.Disposed, 10, 1, 0));
    }

    [TestCaseSource(nameof(BadCalls))]
    public void BothBackendsRejectTheCallInOneStyle(BadCall call)
    {
        var onCpu = Rejection(_cpu, call);
        var onIlgpu = Rejection(_ilgpu, call);
        Assert.That(onCpu.GetType(), Is.EqualTo(call.Expected), $"cpu: {onCpu.Message}");
        Assert.That(onIlgpu.GetType(), Is.EqualTo(call.Expected), $"ilgpu-cpu: {onIlgpu.Message}");
        Assert.That(onIlgpu.Message, Is.EqualTo(onCpu.Message));
        string op = call.Name.Split(' ')[0];
        Assert.That(onCpu.Message, Does.StartWith(op + ": ").And.Contain(call.MessagePart));
    }

    private Exception Rejection(IComputeBackend backend, BadCall call)
    {
        using var kit = new Kit(backend, _stranger);
        _ = kit[0];
        var error = Assert.Catch(() => call.Call(backend, kit), $"{backend.Name} accepted '{call.Name}'")!;
        backend.Synchronize();
        return error;
    }

    [Test]
    public void AllowedInPlaceAndEmptyCallsRunOnBothBackends()
    {
        foreach (IComputeBackend backend in new IComputeBackend[] { _cpu, _ilgpu })
        {
            using var kit = new Kit(backend, _stranger);
            backend.Unary(UnaryOp.Scale, kit[0], kit[0], 64, 2f);
            backend.Binary(BinaryOp.Add, kit[0], Shape, kit[1], new Ncs(1, 3, 1), kit[0]);
            // Nothing to do: checked, then not a single element touched, whatever the buffers' sizes.
            backend.Unary(UnaryOp.Exp, kit.Short, kit.Short, 0);
            backend.MatMul(kit[2], kit[3], kit[4], 0, 5, 7);
            backend.CopyChannels(kit[2], 3, 0, kit[3], 3, 0, 0, 2, 4);
            Assert.That(backend.SumOfSquares(kit.Short, 0), Is.EqualTo(0.0));
            var values = new float[64];
            backend.Download(kit[0], values);
            // 0.5 · 2 = 1 everywhere, plus the broadcast 0.5 over the first Shape.Length elements.
            Assert.That(values.Take(Shape.Length), Is.All.EqualTo(1.5f), backend.Name);
            Assert.That(values.Skip(Shape.Length), Is.All.EqualTo(1f), backend.Name);
        }
    }

    [Test]
    public void DisposedBackendsRejectCallsInOneStyle()
    {
        var backends = new CheckedComputeBackend[] { new ManagedCpuBackend(), IlgpuBackend.CreateCpuSimulator() };
        var buffers = backends.Select(b => b.Allocate(8)).ToArray();
        foreach (var backend in backends) backend.Dispose();
        var messages = backends.Select((b, i) => Assert.Throws<ObjectDisposedException>(() => b.Fill(buffers[i], 1f))!.Message).ToArray();
        Assert.That(messages[1], Is.EqualTo(messages[0]));
        Assert.That(messages[0], Does.StartWith("Fill: the backend is disposed"));
        Assert.That(() => backends[1].Allocate(4), Throws.TypeOf<ObjectDisposedException>().With.Message.StartWith("Allocate: "));
    }
}

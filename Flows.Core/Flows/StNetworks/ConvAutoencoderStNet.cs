using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The convolutional autoencoder st-network "autoencoder" (the code's AE, docs/MODELS.md §4.9): four 4×4 convs
/// (32, 64, 64, 128 channels; strides 1, 1, s, s with s = W / 14; no padding), each followed by LeakyReLU(0.01)
/// → flatten → Linear(→ l) ("fc_z") → Linear(l →) ("decoder_input") → reshape → three 4×4 transposed convs
/// with the strides reversed, each followed by LeakyReLU → a last transposed conv to the output channels.
/// Input is the conditioning part directly (no BatchNorm, no cat[x, −x]). Widths below 14 give stride 0 in
/// the original and are refused here.
/// </summary>
public sealed class ConvAutoencoderStNet : StNetwork
{
    private static readonly int[] Hidden = [32, 64, 64, 128];
    private const int Kernel = 4;

    private readonly StridedConv[] _encoder;
    private readonly Linear _fcZ, _decoderInput;
    private readonly TransposedConv[] _decoder;
    private readonly int _codeWidth;

    public ConvAutoencoderStNet(IComputeBackend backend, Random rng, int inChannels, int latent, int outChannels, int width)
        : base(backend)
    {
        if (width < 14)
            throw new ArgumentException($"autoencoder st-network: needs an input width of at least 14 (the stride is width / 14), got {width}");
        if (latent <= 0) throw new ArgumentException($"autoencoder st-network: latent size must be positive, got {latent}");
        InChannels = inChannels;
        Latent = latent;
        Width = width;
        int s = width / 14;
        int[] strides = [1, 1, s, s];
        var widths = new List<int> { width };
        _encoder = new StridedConv[Hidden.Length];
        int cin = inChannels;
        for (int i = 0; i < Hidden.Length; i++)
        {
            _encoder[i] = AddModule($"encoder.{i}.0", new StridedConv(backend, rng, cin, Hidden[i], Kernel, strides[i]));
            int next = (widths[^1] - Kernel) / strides[i] + 1;
            if (next < 1) throw new ArgumentException($"autoencoder st-network: width {width} shrinks to nothing in encoder layer {i}");
            widths.Add(next);
            cin = Hidden[i];
        }
        _codeWidth = widths[^1];
        int flat = Hidden[^1] * _codeWidth * _codeWidth;
        _fcZ = AddModule("fc_z", new Linear(backend, rng, flat, latent));
        _decoderInput = AddModule("decoder_input", new Linear(backend, rng, latent, flat));
        _decoder = new TransposedConv[Hidden.Length];
        int w = _codeWidth;
        for (int i = 1; i <= Hidden.Length; i++)
        {
            int cout = i < Hidden.Length ? Hidden[^(i + 1)] : outChannels;
            _decoder[i - 1] = AddModule($"decoder.{i - 1}.0", new TransposedConv(backend, rng, Hidden[^i], cout, Kernel, strides[^i]));
            w = (w - 1) * strides[^i] + Kernel;
        }
        if (w != width)
            throw new ArgumentException($"autoencoder st-network: width {width} does not round-trip (encoder widths {string.Join("→", widths)}, decoder ends at {w})");
    }

    public int InChannels { get; }
    public int Latent { get; }
    public int Width { get; }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != InChannels || x.Shape[2] != Width || x.Shape[3] != Width)
            throw new ArgumentException($"autoencoder st-network: built for [N, {InChannels}, {Width}, {Width}], got {Shapes.Format(x.Shape)}");
        int n = x.Shape[0];
        var h = x;
        foreach (var conv in _encoder) h = Ops.LeakyRelu(conv.Forward(h));
        var code = _fcZ.Forward(Ops.Reshape(h, n, h.Length / n));
        h = Ops.Reshape(_decoderInput.Forward(code), n, Hidden[^1], _codeWidth, _codeWidth);
        for (int i = 0; i < _decoder.Length; i++)
        {
            h = _decoder[i].Forward(h);
            if (i < _decoder.Length - 1) h = Ops.LeakyRelu(h);
        }
        return h;
    }

    public override string Describe() => $"ConvAE(in {InChannels}, latent {Latent}, width {Width})";

    /// <summary>nn.Conv2d(k, stride, padding 0) with PyTorch's initialisation.</summary>
    private sealed class StridedConv : Module
    {
        private readonly Parameter _weight, _bias;
        private readonly int _stride;

        public StridedConv(IComputeBackend backend, Random rng, int inChannels, int outChannels, int kernel, int stride) : base(backend)
        {
            _stride = stride;
            int fanIn = inChannels * kernel * kernel;
            _weight = AddParameter("weight", Init.KaimingUniform(rng, outChannels * fanIn, fanIn), outChannels, inChannels, kernel, kernel);
            _bias = AddParameter("bias", Init.KaimingUniform(rng, outChannels, fanIn), outChannels);
        }

        public Tensor Forward(Tensor x) => Ops.Conv2dStrided(x, _weight, _bias, _stride);
    }

    /// <summary>nn.ConvTranspose2d(k, stride, padding 0): weight (in, out, k, k), fan-in out·k·k as PyTorch computes it.</summary>
    private sealed class TransposedConv : Module
    {
        private readonly Parameter _weight, _bias;
        private readonly int _stride;

        public TransposedConv(IComputeBackend backend, Random rng, int inChannels, int outChannels, int kernel, int stride) : base(backend)
        {
            _stride = stride;
            int fanIn = outChannels * kernel * kernel;
            _weight = AddParameter("weight", Init.KaimingUniform(rng, inChannels * fanIn, fanIn), inChannels, outChannels, kernel, kernel);
            _bias = AddParameter("bias", Init.KaimingUniform(rng, outChannels, fanIn), outChannels);
        }

        public Tensor Forward(Tensor x) => Ops.ConvTranspose2d(x, _weight, _bias, _stride);
    }
}

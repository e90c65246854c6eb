using System.IO.Compression;
using Flows.Core;
using Flows.Core.Flows;
using Flows.Kernels;

namespace Flows.Tests.Flows;

/// <summary>Shared helpers for the flow tests: random inputs, perturbed parameters, Jacobians, FashionMNIST.</summary>
internal static class FlowTestKit
{
    /// <summary>Small versions of every image model (mid 4–8, 1–2 blocks, K 2) on the given shape.</summary>
    public static ModelConfig Small(string name, string image)
    {
        var c = ModelConfig.Defaults(name, ImageShape.Parse(image));
        return name switch
        {
            "glow" => c with { K = 2, Mid = 8, Layers = 1, Scales = Math.Min(c.Scales, 2) },
            "realnvp-resnetae" => c with { Mid = 4, Blocks = 2, Latent = 3 },
            "realnvp-ae" => c with { Latent = 4 },
            "tabular" => c with { Hidden = 8, Layers = 1, Couplings = 4 },
            _ => c with { Mid = 4, Blocks = 1, Scales = Math.Min(c.Scales, 2) },
        };
    }

    public static Tensor Random(IComputeBackend backend, ulong seed, params int[] shape)
    {
        var t = Tensor.Uniform(backend, seed, 0, shape);
        return t;
    }

    public static Tensor Normal(IComputeBackend backend, ulong seed, float std, params int[] shape)
    {
        var t = Tensor.Normal(backend, seed, 0, shape);
        backend.Unary(UnaryOp.Scale, t.Buffer, t.Buffer, t.Length, std);
        return t;
    }

    /// <summary>Adds N(0, std²) to every parameter so that zero-initialised layers (Glow's last conv, ActNorm) do something.</summary>
    public static void Perturb(Module module, float std, ulong seed)
    {
        ulong k = 0;
        foreach (var p in module.Parameters())
        {
            using var noise = Normal(p.Backend, seed * 1000 + k++, std, p.Shape);
            p.Backend.Axpy(1f, noise.Buffer, p.Buffer, p.Length);
        }
    }

    /// <summary>
    /// Runs a few training-mode passes (BatchNorm running statistics move away from 0/1, ActNorm initialises from
    /// data), then switches to evaluation mode, where samples are independent and the map is fixed.
    /// </summary>
    public static void Settle(Module module, Func<Tensor, FlowOutput> forward, Func<ulong, Tensor> batch)
    {
        module.Train();
        using (Autograd.NoGrad())
            for (ulong i = 0; i < 3; i++)
                using (new TensorScope())
                    forward(batch(100 + i));
        module.Eval();
    }

    public static double RelativeError(float[] expected, float[] actual)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow(expected[i] - actual[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(diff / Math.Max(norm, 1e-30));
    }

    /// <summary>
    /// log|det ∂f/∂x| at x (one sample, flattened per-sample size D), by central differences with Richardson
    /// extrapolation, in double. With batched, the 4D perturbed inputs go through f in one batch (the map must
    /// treat samples independently); otherwise one call per input.
    /// </summary>
    public static double NumericLogAbsDet(IComputeBackend backend, Func<Tensor, Tensor> f, float[] x, int[] sampleShape, bool batched, double h = 2e-2)
    {
        int d = x.Length;
        var steps = new[] { h, -h, h / 2, -h / 2 };
        var inputs = new float[4 * d][];
        for (int s = 0; s < 4; s++)
            for (int j = 0; j < d; j++)
            {
                var xi = (float[])x.Clone();
                xi[j] += (float)steps[s];
                inputs[s * d + j] = xi;
            }
        var outputs = new float[4 * d][];
        using (new TensorScope())
        using (Autograd.NoGrad())
        {
            if (batched)
            {
                var all = inputs.SelectMany(v => v).ToArray();
                var y = f(Tensor.FromArray(backend, all, [4 * d, .. sampleShape])).ToArray();
                int outD = y.Length / (4 * d);
                for (int i = 0; i < 4 * d; i++) outputs[i] = y.AsSpan(i * outD, outD).ToArray();
            }
            else
            {
                for (int i = 0; i < 4 * d; i++)
                    outputs[i] = f(Tensor.FromArray(backend, inputs[i], [1, .. sampleShape])).ToArray();
            }
        }
        if (outputs[0].Length != d) throw new InvalidOperationException($"the map changes the dimension: {d} → {outputs[0].Length}");
        var jac = new double[d * d];
        // Richardson: (4·D(h/2) − D(h))/3 removes the h² error of the central difference.
        for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++)
            {
                double dh = (outputs[j][i] - (double)outputs[d + j][i]) / (2 * h);
                double dh2 = (outputs[2 * d + j][i] - (double)outputs[3 * d + j][i]) / h;
                jac[i * d + j] = (4 * dh2 - dh) / 3;
            }
        return LogAbsDet(jac, d);
    }

    public static double LogAbsDet(double[] a, int n)
    {
        var m = (double[])a.Clone();
        double result = 0;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(m[r * n + col]) > Math.Abs(m[pivot * n + col])) pivot = r;
            if (pivot != col)
                for (int k = 0; k < n; k++) (m[col * n + k], m[pivot * n + k]) = (m[pivot * n + k], m[col * n + k]);
            double diag = m[col * n + col];
            result += Math.Log(Math.Abs(diag));
            for (int r = col + 1; r < n; r++)
            {
                double f = m[r * n + col] / diag;
                for (int k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
            }
        }
        return result;
    }

    /// <summary>The first <paramref name="count"/> FashionMNIST test images as [count, 1, 28, 28] in [0, 1], or Ignore when FLOWS_DATA is unset.</summary>
    public static float[] FashionMnist(int count, bool train = false)
    {
        var root = Environment.GetEnvironmentVariable("FLOWS_DATA");
        if (string.IsNullOrEmpty(root)) Assert.Ignore("FLOWS_DATA is not set: the real-image tests need FashionMNIST");
        var path = Path.Combine(root!, "fashion-mnist", train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz");
        if (!File.Exists(path)) Assert.Ignore($"FashionMNIST not found at {path}");
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new BinaryReader(gz);
        int magic = ReadBigEndian(reader), n = ReadBigEndian(reader), rows = ReadBigEndian(reader), cols = ReadBigEndian(reader);
        if (magic != 0x803 || rows != 28 || cols != 28) throw new InvalidDataException($"{path}: not an IDX image file (magic {magic:x})");
        count = Math.Min(count, n);
        var bytes = reader.ReadBytes(count * 28 * 28);
        return Array.ConvertAll(bytes, b => b / 255f);
    }

    private static int ReadBigEndian(BinaryReader r)
    {
        var b = r.ReadBytes(4);
        return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    }
}

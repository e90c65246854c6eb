using System.Numerics;
using System.Runtime.CompilerServices;

namespace Flows.Kernels.Cpu;

/// <summary>
/// y = conv(x, w) + bias as GEMMs Y (Cout × samples·OH·OW) = W (Cout × Cin·K·K) · cols, with im2col fused into
/// the packing of B (<see cref="Im2ColB"/>) from the samples' zero-bordered frames; a 1×1 convolution without
/// padding packs x_n directly. Small images are grouped (<see cref="ConvGrouping"/>) so each GEMM has enough
/// columns: W is packed once per group instead of once per sample, and the ragged last column panel is paid
/// once per group. Groups are spread over the cores; with fewer groups than cores each GEMM is split instead.
/// Measured history (conv 3x3, batch 64, 64→64, 28x28, the shared 2-core AVX2 machine, GFLOP per CPU-second
/// of one thread): v1 explicit im2col + row GEMM ≈ 4; v2 explicit im2col + packed 6×16 GEMM ≈ 20; v3 im2col
/// packed from the image with bounds checks ≈ 33; v4 packed from a zero-bordered frame, KC 384 ≈ 55–62;
/// v5 (this) vector packing across rows, 4-row panels, sample groups: see docs/PERFORMANCE.md.
/// Strides S &gt; 1 (ResNet-18) run the same code: <see cref="PaddedImage"/> lays the frame out in S×S phases,
/// so a window row's pixels are consecutive floats again and the vector packing applies unchanged (a strided
/// gather in the packing would have been the scalar <see cref="FrameGather"/> path for every panel).
/// Measured forward, batch 32, `Flows.Bench conv --shapes resnet18 --passes fwd` (2 cores of an AMD EPYC with
/// AVX-512, shared with other builds; GFLOP/s, a multiply-add as 2):
///   quiet run (load ≈ 2): stem 7×7/2 p3 3→64 at 64×64 358, at 224×224 334;
///     3×3/2 p1: 64→128 at 16×16 317, at 56×56 338; 128→256 at 28×28 358; 256→512 at 14×14 349;
///     1×1/2: 64→128 at 16×16 159, at 56×56 261; 128→256 at 28×28 279; 256→512 at 14×14 340;
///     stride 1 in the same run for scale: 3×3 p1 64→64 at 28×28 293, 128→128 at 14×14 299.
///   first run (load ≈ 6): stem 301 / 270, 3×3/2 213–271, 1×1/2 110–169 (same order of shapes).
/// </summary>
internal static unsafe class ConvForward
{
    public static void Run(float[] x, float[] w, float[]? bias, float[] y, ConvGeometry g)
    {
        fixed (float* px = x, pw = w, py = y)
            Run(px, pw, bias, py, g);
    }

    /// <summary>The core, also used by backward-data (whose geometry may carry a negative padding).</summary>
    internal static void Run(float* x, float* w, float[]? bias, float* y, ConvGeometry g)
    {
        if (Conv1x1Narrow.AppliesForward(g))
        {
            Conv1x1Narrow.Forward(x, w, bias, y, g);
            return;
        }
        if (ConvForwardGrid.Chosen(g))
        {
            ConvForwardGrid.Run(x, w, bias, y, g);
            return;
        }
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        bool direct = g.KernelSize == 1 && g.Padding == 0 && g.Stride == 1;
        int perGroup = direct ? 1 : ConvGrouping.SamplesPerGemm(g);
        int groups = (g.Batch + perGroup - 1) / perGroup;
        long costPerGroup = 2L * g.OutChannels * plane * ckk * perGroup;
        float* xs = x, ys = y;

        // Both compiled optimised at once: under load the product-to-y copies were seen still running tier-0 code.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Group<TA>(TA a, int group, bool split) where TA : struct, IPackA
        {
            int first = group * perGroup, count = Math.Min(perGroup, g.Batch - first);
            if (direct)
            {
                Emit(a, new DenseB(xs + (long)first * inSize, plane, false), first, count, split);
                return;
            }
            var frames = ThreadScratch.Get(ScratchSlot.Padded, PaddedImage.ScratchLength(g, count));
            fixed (float* padded = frames)
            {
                PaddedImage.FillSamples(xs, g, first, count, padded);
                Emit(a, new Im2ColB(padded, g), first, count, split);
            }
        }

        // One GEMM for samples [first, first + count): straight into y for one sample; for several, into a
        // product whose column blocks are then copied to their own y_n.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Emit<TA, TB>(TA a, TB b, int first, int count, bool split) where TA : struct, IPackA where TB : struct, IPackB
        {
            int columns = count * plane;
            float* yFirst = ys + (long)first * outSize;
            if (count == 1)
            {
                GemmSplit.RunOrSerial(split, g.OutChannels, plane, ckk, a, b, yFirst, plane, false);
                AddBias(yFirst, bias, g.OutChannels, plane);
                return;
            }
            var product = ThreadScratch.Get(ScratchSlot.Product, g.OutChannels * columns);
            fixed (float* c = product)
            {
                GemmSplit.RunOrSerial(split, g.OutChannels, columns, ckk, a, b, c, columns, false);
                for (int i = 0; i < count; i++)
                {
                    float* yn = yFirst + (long)i * outSize;
                    for (int co = 0; co < g.OutChannels; co++)
                        new ReadOnlySpan<float>(c + (long)co * columns + i * plane, plane)
                            .CopyTo(new Span<float>(yn + (long)co * plane, plane));
                    AddBias(yn, bias, g.OutChannels, plane);
                }
            }
        }

        var dense = new DenseA(w, ckk, false);
        if (groups >= CpuParallel.Workers || costPerGroup * groups < CpuParallel.SerialThreshold)
        {
            // W is packed once here for all groups and cores, not once per group.
            var packed = ThreadScratch.Get(ScratchSlot.PackedWeights, (int)PrepackedA.Length(g.OutChannels, ckk));
            fixed (float* pw = packed)
            {
                var a = PrepackedA.Create(dense, g.OutChannels, ckk, pw);
                CpuParallel.For(groups, costPerGroup, (start, end) =>
                {
                    for (int group = start; group < end; group++) Group(a, group, false);
                });
            }
        }
        else
            for (int group = 0; group < groups; group++) Group(dense, group, true);
    }

    private static void AddBias(float* y, float[]? bias, int channels, int plane)
    {
        if (bias is null) return;
        for (int co = 0; co < channels; co++) AddScalar(new Span<float>(y + (long)co * plane, plane), bias[co]);
    }

    private static void AddScalar(Span<float> row, float value)
    {
        var v = new Vector<float>(value);
        var rows = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(row);
        for (int i = 0; i < rows.Length; i++) rows[i] += v;
        for (int i = rows.Length * Vector<float>.Count; i < row.Length; i++) row[i] += value;
    }
}

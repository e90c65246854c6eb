using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// dx for a convolution with stride S &gt; 1: the column gradient dcols (Cin·K·K × samples·OH·OW) = Wᵀ · dY on
/// the packed GEMM, then col2im adds every column back into its sample's phase frame (<see cref="PaddedImage"/>),
/// where each output row's pixels are contiguous so the scatter-add is vector adds, and the frame is read back
/// into dx without its padding (<see cref="PaddedImage.ExtractPhases"/>). The stride-1 trick (a forward
/// convolution with flipped weights, <see cref="ConvBackwardData"/>) would need S − 1 zeros inserted between
/// dy's pixels, i.e. S² times the multiply-adds; this does exactly the convolution's own.
/// Samples are grouped as in the forward pass (<see cref="ConvGrouping"/>, <see cref="SamplesB"/>) and groups
/// spread over the cores with Wᵀ packed once for all of them; with fewer groups than cores each GEMM is split.
/// Measured with `Flows.Bench conv --shapes resnet18 --passes fwd,bwd-data` (batch 32, 2 shared cores, AVX-512;
/// GFLOP/s with the forward's FLOPs; the machine's load varied 3× between runs, so compare within a run):
/// v1 one GEMM per sample, Wᵀ repacked per sample (load ≈ 6, forward at 213–301 in that run): 3×3/2 64→128
///    at 56×56 171, 256→512 at 14×14 116; 1×1/2 64→128 at 56×56 57, at 16×16 53: 0.4–0.6 of the forward.
/// v2 (this) grouped samples, Wᵀ pre-packed, 1×1 without col2im (load ≈ 12; forward in brackets): 3×3/2 64→128
///    at 56×56 80 (68), at 16×16 94 (72), 256→512 at 14×14 63 (97); stem 64×64 134 (307); 1×1/2 64→128 at
///    56×56 34 (65), 256→512 at 14×14 51 (60): 0.5–1.3 of the forward. Quiet run (load ≈ 2): stem 64×64 281
///    (358), 224×224 236 (334); 3×3/2 264–322 (317–358); 1×1/2 104–201 (159–340): 0.5–0.9 of the forward.
/// </summary>
internal static unsafe class ConvBackwardDataStrided
{
    public static void Run(float[] dy, float[] w, float[] dx, ConvGeometry g)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        int perGroup = ConvGrouping.SamplesPerGemm(g);
        int groups = (g.Batch + perGroup - 1) / perGroup;
        long costPerGroup = 2L * ckk * plane * g.OutChannels * perGroup;
        fixed (float* pdy = dy, pw = w, pdx = dx)
        {
            float* dys = pdy, dxs = pdx;

            void Group<TA>(TA a, int group, bool split) where TA : struct, IPackA
            {
                int first = group * perGroup, count = Math.Min(perGroup, g.Batch - first), columns = count * plane;
                var cols = ThreadScratch.Get(ScratchSlot.Columns, ckk * columns);
                var frames = ThreadScratch.Get(ScratchSlot.Padded, PaddedImage.Length(g));
                fixed (float* c = cols, frame = frames)
                {
                    GemmSplit.RunOrSerial(split, ckk, columns, g.OutChannels, a, new SamplesB(dys + (long)first * outSize, plane, outSize),
                                          c, columns, false);
                    for (int i = 0; i < count; i++)
                    {
                        float* dxn = dxs + (long)(first + i) * inSize;
                        if (g.KernelSize == 1)
                        {
                            // No window overlaps another: the columns are the frame (one phase, OH × OW).
                            PaddedImage.ExtractPhases(c + i * plane, columns, g, dxn);
                            continue;
                        }
                        new Span<float>(frame, PaddedImage.Length(g)).Clear();
                        AddColumns(c + i * plane, columns, g, frame);
                        PaddedImage.ExtractPhases(frame, (long)PaddedImage.Height(g) * PaddedImage.Width(g), g, dxn);
                    }
                }
            }

            var dense = new DenseA(pw, ckk, true);
            if (groups >= CpuParallel.Workers || costPerGroup * groups < CpuParallel.SerialThreshold)
            {
                var packed = ThreadScratch.Get(ScratchSlot.PackedWeights, (int)PrepackedA.Length(ckk, g.OutChannels));
                fixed (float* pp = packed)
                {
                    var a = PrepackedA.Create(dense, ckk, g.OutChannels, pp);
                    CpuParallel.For(groups, costPerGroup, (start, end) =>
                    {
                        for (int group = start; group < end; group++) Group(a, group, false);
                    });
                }
            }
            else
                for (int group = 0; group < groups; group++) Group(dense, group, true);
        }
    }

    /// <summary>
    /// col2im: frame[WindowOffset(r) + oy·Wq + ox] += cols[r, oy·OW + ox] (row r at cols + r·ld), one output row
    /// at a time. Compiled optimised at once and with the row adds inline: through the span helper, a 14-float row
    /// cost a call and two casts, and under load the helpers were still tier-0 code after 200 calls (half the
    /// time of a 4→64 backward-data).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddColumns(float* cols, int ld, ConvGeometry g, float* frame)
    {
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, oh = g.OutHeight, ow = g.OutWidth, pitch = PaddedImage.Width(g);
        for (int r = 0; r < ckk; r++)
        {
            float* target = frame + PaddedImage.WindowOffset(g, r);
            float* source = cols + (long)r * ld;
            for (int oy = 0; oy < oh; oy++)
            {
                float* src = source + oy * ow, dst = target + (long)oy * pitch;
                int x = 0;
                for (; x + 8 <= ow; x += 8) Vector256.Store(Vector256.Load(dst + x) + Vector256.Load(src + x), dst + x);
                if (x + 4 <= ow)
                {
                    Vector128.Store(Vector128.Load(dst + x) + Vector128.Load(src + x), dst + x);
                    x += 4;
                }
                for (; x < ow; x++) dst[x] += src[x];
            }
        }
    }
}

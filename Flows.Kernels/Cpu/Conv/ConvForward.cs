using System.Numerics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// y = conv(x, w) + bias as one GEMM per sample, Y_n (Cout × OH·OW) = W (Cout × Cin·K·K) · cols_n, with
/// im2col fused into the packing of B (<see cref="Im2ColB"/>); a 1×1 convolution without padding packs
/// x_n directly. Samples are spread over the cores; with fewer samples than cores each GEMM is split instead.
/// Measured history (conv 3x3, batch 64, 64→64, 28x28, the shared 2-core AVX2 machine, GFLOP per CPU-second
/// of one thread, which the machine's load barely disturbs): v1 explicit im2col + row GEMM ≈ 4;
/// v2 explicit im2col + packed 6×16 GEMM ≈ 20; v3 im2col packed from the image with bounds checks ≈ 33;
/// v4 (this) packed from a zero-bordered frame, KC 384 ≈ 55–62 (16x16: 50–63).
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
        int ckk = g.InChannels * g.KernelSize * g.KernelSize, plane = g.OutHeight * g.OutWidth;
        int inSize = g.InChannels * g.Height * g.Width, outSize = g.OutChannels * plane;
        bool direct = g.KernelSize == 1 && g.Padding == 0;
        long costPerSample = 2L * g.OutChannels * plane * ckk;
        var a = new DenseA(w, ckk, false);
        float* xs = x, ys = y;

        void Sample(int n, bool split)
        {
            float* xn = xs + (long)n * inSize, yn = ys + (long)n * outSize;
            if (direct)
            {
                var b = new DenseB(xn, plane, false);
                if (split) GemmSplit.Run(g.OutChannels, plane, ckk, a, b, yn, plane, false);
                else GemmV2Packed.Run(g.OutChannels, plane, ckk, a, b, yn, plane, false);
            }
            else
            {
                var frame = ThreadScratch.Get(ScratchSlot.Padded, PaddedImage.ScratchLength(g));
                fixed (float* padded = frame)
                {
                    PaddedImage.Fill(xn, g, padded);
                    var b = new Im2ColB(padded, g);
                    if (split) GemmSplit.Run(g.OutChannels, plane, ckk, a, b, yn, plane, false);
                    else GemmV2Packed.Run(g.OutChannels, plane, ckk, a, b, yn, plane, false);
                }
            }
            if (bias is not null)
                for (int co = 0; co < g.OutChannels; co++) AddScalar(new Span<float>(yn + (long)co * plane, plane), bias[co]);
        }

        if (g.Batch >= CpuParallel.Workers || costPerSample * g.Batch < CpuParallel.SerialThreshold)
            CpuParallel.For(g.Batch, costPerSample, (start, end) =>
            {
                for (int n = start; n < end; n++) Sample(n, false);
            });
        else
            for (int n = 0; n < g.Batch; n++) Sample(n, true);
    }

    private static void AddScalar(Span<float> row, float value)
    {
        var v = new Vector<float>(value);
        var rows = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(row);
        for (int i = 0; i < rows.Length; i++) rows[i] += v;
        for (int i = rows.Length * Vector<float>.Count; i < row.Length; i++) row[i] += value;
    }
}

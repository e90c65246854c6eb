namespace Flows.Kernels.Cpu;

/// <summary>
/// op(A) packed once for every block the GEMM will ask for, so that many GEMMs with the same A (a convolution's
/// weights, used by every sample group on every core) read it instead of packing it again: that repacking was
/// 2.75% of a Glow training step. Block (ic, pc) sits at pc·PackedRows + ic·kc, laid out as
/// <see cref="IPackA"/> describes, with the blocking of <see cref="GemmV2Packed.Blocking"/>.
/// </summary>
internal readonly unsafe struct PrepackedA : IPackA
{
    private readonly float* _packed;
    private readonly int _packedRows;

    private PrepackedA(float* packed, int packedRows)
    {
        _packed = packed;
        _packedRows = packedRows;
    }

    /// <summary>Floats the pre-packed form of an m × k matrix needs.</summary>
    public static long Length(int m, int k) => (long)PackedRows(m, GemmV2Packed.Blocking(k).McBlock) * k + Slack;

    /// <summary>Packing may write a few floats past the last panel (<see cref="PanelTranspose.Block"/>).</summary>
    private const int Slack = 16;

    /// <summary>Packs all of <paramref name="source"/> (m × k) into <paramref name="destination"/>.</summary>
    public static PrepackedA Create<TA>(TA source, int m, int k, float* destination) where TA : struct, IPackA
    {
        var (kcMax, mcBlock) = GemmV2Packed.Blocking(k);
        int packedRows = PackedRows(m, mcBlock);
        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);
            for (int ic = 0; ic < m; ic += mcBlock)
                source.Pack(destination + (long)pc * packedRows + (long)ic * kc, ic, Math.Min(mcBlock, m - ic), pc, kc);
        }
        return new PrepackedA(destination, packedRows);
    }

    /// <summary>Never needed: the GEMM takes <see cref="Prepacked"/>. Row-split views must wrap the source instead.</summary>
    public void Pack(float* dst, int ic, int mc, int pc, int kc) =>
        throw new InvalidOperationException("PrepackedA is read through Prepacked; split GEMMs must wrap the unpacked source");

    public float* Prepacked(int ic, int pc, int kc) => _packed + (long)pc * _packedRows + (long)ic * kc;

    /// <summary>Rows of all m-blocks after padding each block's last panel (<see cref="GemmMicroKernels.PanelHeight"/>).</summary>
    private static int PackedRows(int m, int mcBlock)
    {
        int rows = 0;
        for (int ic = 0; ic < m; ic += mcBlock) rows += PanelRows(Math.Min(mcBlock, m - ic));
        return rows;
    }

    private static int PanelRows(int mc)
    {
        int rows = 0;
        for (int i0 = 0, h; i0 < mc; i0 += h) rows += h = GemmMicroKernels.PanelHeight(mc - i0);
        return rows;
    }
}

using ILGPU;

namespace Flows.Kernels.Ilgpu;

/// <summary>Which index table <see cref="ConvTables"/> builds.</summary>
internal enum ConvTableKind
{
    /// <summary>k = (ci, kh, kw), n = (b, oh, ow); B is x.</summary>
    Forward = 0,

    /// <summary>k = (co, kh, kw), n = (b, ih, iw); B is dy, A the weights read transposed (no flipped copy).</summary>
    BackwardData = 1,

    /// <summary>k = (b, oh, ow), n = (ci, kh, kw); A is dy, B is x.</summary>
    BackwardWeight = 2,
}

/// <summary>The geometry the table kernel needs, flattened to ints (kernel parameters).</summary>
internal struct ConvTableGeometry
{
    public int Kind, InC, H, W, OutC, OutH, OutW, Kernel, Pad, Stride, K, N;

    public static ConvTableGeometry Of(ConvGeometry g, ConvTableKind kind, int k, int n) => new()
    {
        Kind = (int)kind, InC = g.InChannels, H = g.Height, W = g.Width, OutC = g.OutChannels,
        OutH = g.OutHeight, OutW = g.OutWidth, Kernel = g.KernelSize, Pad = g.Padding, Stride = g.Stride, K = k, N = n,
    };
}

/// <summary>
/// Fills the index tables of <see cref="TableOperands"/>: per k (aOffset, bOffset, row, col), per n (offset,
/// row, col), so that B(k, n) = B[bOffset(k) + offset(n)] where row(k) + row(n) and col(k) + col(n) fall inside
/// B's image. All the divisions of implicit im2col happen here, once per index, instead of once per element.
///
/// Backward-data of a stride-S convolution: dx[b, ci, ih, iw] sums w[co, ci, kh, kw] · dy[b, co, oh, ow] over
/// taps with oh·S = ih + P − kh. Writing t = ih + P = S·q + r and kh = S·kq + kr, a tap contributes only when
/// r = kr, and then oh = q − kq. The table stores q + r·Phase for n and −kq − kr·Phase for k: their sum is oh
/// when the phases agree and lies far outside [0, OH) when they do not (Phase = 2¹⁶ exceeds any image side),
/// so one bounds check does both tests without a division in the K loop.
/// </summary>
internal static class ConvTables
{
    private const int Phase = 1 << 16;

    /// <summary>The table length in ints: four planes of K, three of N.</summary>
    public static int Length(int k, int n) => 4 * k + 3 * n;

    public static void Kernel(Index1D index, ArrayView<int> table, ConvTableGeometry g)
    {
        int i = index;
        if (i < g.K) WriteRow(table, g, i);
        if (i < g.N) WriteColumn(table, g, i);
    }

    private static void WriteRow(ArrayView<int> table, ConvTableGeometry g, int k)
    {
        int kk = g.Kernel * g.Kernel;
        int aOffset, bOffset, row, col;
        if (g.Kind == (int)ConvTableKind.BackwardWeight)
        {
            int ow = k % g.OutW, oh = k / g.OutW % g.OutH, b = k / (g.OutW * g.OutH);
            int ih = oh * g.Stride - g.Pad, iw = ow * g.Stride - g.Pad;
            aOffset = (b * g.OutC * g.OutH + oh) * g.OutW + ow;
            bOffset = (b * g.InC * g.H + ih) * g.W + iw;
            row = ih;
            col = iw;
        }
        else
        {
            int kw = k % g.Kernel, kh = k / g.Kernel % g.Kernel, c = k / kk;
            if (g.Kind == (int)ConvTableKind.Forward)
            {
                aOffset = k;
                bOffset = (c * g.H + kh) * g.W + kw;
                row = kh;
                col = kw;
            }
            else
            {
                int kq = kh / g.Stride, kr = kh % g.Stride, wq = kw / g.Stride, wr = kw % g.Stride;
                aOffset = c * g.InC * kk + kh * g.Kernel + kw;
                bOffset = (c * g.OutH - kq) * g.OutW - wq;
                row = -kq - kr * Phase;
                col = -wq - wr * Phase;
            }
        }
        table[k] = aOffset;
        table[g.K + k] = bOffset;
        table[2 * g.K + k] = row;
        table[3 * g.K + k] = col;
    }

    private static void WriteColumn(ArrayView<int> table, ConvTableGeometry g, int n)
    {
        int offset, row, col;
        if (g.Kind == (int)ConvTableKind.Forward)
        {
            int ow = n % g.OutW, oh = n / g.OutW % g.OutH, b = n / (g.OutW * g.OutH);
            int ih = oh * g.Stride - g.Pad, iw = ow * g.Stride - g.Pad;
            offset = (b * g.InC * g.H + ih) * g.W + iw;
            row = ih;
            col = iw;
        }
        else if (g.Kind == (int)ConvTableKind.BackwardData)
        {
            int iw = n % g.W, ih = n / g.W % g.H, b = n / (g.W * g.H);
            int th = ih + g.Pad, tw = iw + g.Pad;
            int q = th / g.Stride, r = th % g.Stride, qw = tw / g.Stride, rw = tw % g.Stride;
            offset = (b * g.OutC * g.OutH + q) * g.OutW + qw;
            row = q + r * Phase;
            col = qw + rw * Phase;
        }
        else
        {
            int kw = n % g.Kernel, kh = n / g.Kernel % g.Kernel, ci = n / (g.Kernel * g.Kernel);
            offset = (ci * g.H + kh) * g.W + kw;
            row = kh;
            col = kw;
        }
        int at = 4 * g.K + n;
        table[at] = offset;
        table[at + g.N] = row;
        table[at + 2 * g.N] = col;
    }
}

using System.Runtime.Intrinsics.X86;
using Flows.Kernels;
using Flows.Kernels.Cpu;

namespace Flows.Tests.Kernels;

/// <summary>
/// The vector data movement of the Winograd convolution against its scalar form, bit for bit (they copy, they do
/// not round): the phase split of an image row (<see cref="WinogradPhases"/>: AVX2 straight from the row with
/// masked loads at its ends, AVX-512 from the padded copy) and the output interleave (<see cref="WinogradScatter"/>:
/// AVX2 with 4-, 2- and 1-float edge stores, AVX-512 with a masked store), on widths that are not multiples of 8 or
/// 16, a single pixel, and every height and edge width of an 8-tile vector; and the weight transform's four-channel
/// Vector256&lt;double&gt; path against its scalar remainder loop. The paths a CPU lacks are skipped.
/// </summary>
public sealed unsafe class WinogradShuffleTests
{
    private static readonly int[] Widths = [1, 2, 3, 5, 7, 8, 9, 13, 14, 15, 16, 17, 23, 27, 28, 29, 31, 33, 37, 64, 65];

    [Test]
    public void PhaseSplitMatchesTheScalarSplit([Values(2, 4)] int m, [ValueSource(nameof(Widths))] int width, [Values("avx2", "avx512")] string isa)
    {
        if (isa == "avx2" && !Avx2.IsSupported) Assert.Ignore("no AVX2 on this CPU");
        if (isa == "avx512" && !Avx512F.VL.IsSupported) Assert.Ignore("no AVX-512 VL on this CPU");
        int tilesW = (width + m - 1) / m, len = (tilesW + 7) / 8 * 8 + 8;
        // The row sits between NaN guards: a vector read outside the row would put a NaN into the phases.
        const int guard = 64;
        var source = new float[guard + width + guard];
        Array.Fill(source, float.NaN);
        var rng = new Random(width * 10 + m);
        for (int c = 0; c < width; c++) source[guard + c] = (float)(rng.NextDouble() * 2 - 1);
        var expected = new float[m * len];
        var actual = new float[m * len];
        Array.Fill(actual, -7f);
        var line = new float[m * len + 8];
        fixed (float* s = source, e = expected, a = actual, l = line)
        {
            WinogradPhases.Pad(s + guard, width, m, len, l);
            WinogradPhases.SplitScalar(l, m, len, e);
            if (isa == "avx2") WinogradPhases.SplitAvx2(s + guard, width, m, len, a);
            else WinogradPhases.SplitAvx512(l, m, len, a);
        }
        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(expected[0], Is.EqualTo(0f), "phase 0, column 0 is the left padding");
    }

    [Test]
    public void ScatterMatchesTheScalarScatter([Values(2, 4)] int m, [Values("avx2", "avx512")] string isa)
    {
        if (isa == "avx2" && !Avx2.IsSupported) Assert.Ignore("no AVX2 on this CPU");
        if (isa == "avx512" && !Avx512F.VL.IsSupported) Assert.Ignore("no AVX-512 VL on this CPU");
        const int pitch = 45;
        var lanes = new float[m * m * 8];
        var rng = new Random(m);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int height = 1; height <= m; height++)
            for (int widthLeft = 1; widthLeft <= 8 * m + 3; widthLeft++)
            {
                // Untouched pixels keep their sentinel: the vector form may write no more than the scalar one.
                var expected = new float[m * pitch + 8];
                var actual = new float[m * pitch + 8];
                Array.Fill(expected, -9f);
                Array.Fill(actual, -9f);
                fixed (float* l = lanes, e = expected, a = actual)
                {
                    WinogradScatter.StoreScalar(l, m, e + 1, height, widthLeft, pitch);
                    if (isa == "avx2") WinogradScatter.StoreAvx2(l, m, a + 1, height, widthLeft, pitch);
                    else WinogradScatter.StoreAvx512(l, m, a + 1, height, widthLeft, pitch);
                }
                Assert.That(actual, Is.EqualTo(expected), $"height {height}, width left {widthLeft}");
            }
    }

    /// <summary>
    /// U for 9 input channels (two four-channel vectors and one scalar remainder) equals, channel by channel, U of
    /// that channel's weights alone (cin 1: the scalar loop), in both tile sizes.
    /// </summary>
    [Test]
    public void VectorWeightTransformMatchesTheScalarOne([Values(2, 4)] int m)
    {
        const int cout = 3, cin = 9;
        var g = ConvGeometry.Same(1, cin, 6, 6, cout, 3);
        var rng = new Random(11);
        var w = new float[g.WeightLength];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1);
        int alpha = m + 2, positions = alpha * alpha;
        var all = new float[positions * cout * cin];
        var one = new float[positions];
        fixed (float* pw = w, pu = all, p1 = one)
        {
            Transform(m, pw, WinogradConv.WeightLayout.Forward(g), pu, cout, cin);
            for (int o = 0; o < cout; o++)
                for (int i = 0; i < cin; i++)
                {
                    Transform(m, pw + (o * cin + i) * 9, WinogradConv.WeightLayout.Forward(ConvGeometry.Same(1, 1, 6, 6, 1, 3)), p1, 1, 1);
                    for (int t = 0; t < positions; t++)
                        Assert.That(all[(t * cout + o) * cin + i], Is.EqualTo(one[t]), $"o {o}, i {i}, position {t}");
                }
        }
    }

    private static void Transform(int m, float* w, WinogradConv.WeightLayout layout, float* u, int cout, int cin)
    {
        if (m == 2) WinogradConv.TransformWeights<WinogradF2>(w, layout, u, cout, cin);
        else WinogradConv.TransformWeights<WinogradF4>(w, layout, u, cout, cin);
    }
}

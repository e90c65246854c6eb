using SixLabors.ImageSharp.PixelFormats;

namespace Flows.Core.Figures;

/// <summary>A 256-entry color lookup table for single-channel images, as matplotlib's colormaps are.</summary>
public sealed class Colormap
{
    private readonly Rgba32[] _lut;

    public string Name { get; }

    private Colormap(string name, Rgba32[] lut)
    {
        Name = name;
        _lut = lut;
    }

    /// <summary>The color of <paramref name="t"/> in [0, 1] (clamped; NaN maps to the low end).</summary>
    public Rgba32 Map(double t)
    {
        if (double.IsNaN(t) || t <= 0) return _lut[0];
        if (t >= 1) return _lut[255];
        return _lut[(int)(t * 255 + 0.5)];
    }

    public Rgba32 this[int index] => _lut[index];

    public static Colormap Gray { get; } = new("gray", Enumerable.Range(0, 256).Select(i => new Rgba32((byte)i, (byte)i, (byte)i)).ToArray());

    /// <summary>
    /// cmocean's "ice" (dark blue → cyan → white), which the paper's notebooks use for single-channel
    /// maps: anchors every 16 entries from cmocean's ice-rgb.txt (docs/MODELS.md §7), interpolated linearly.
    /// </summary>
    public static Colormap Ice { get; } = FromAnchors("ice", new (int, double, double, double)[]
    {
        (0, .0153, .0225, .0727), (16, .0735, .0764, .1628), (32, .1302, .1261, .2555), (48, .1802, .1735, .3540),
        (64, .2200, .2222, .4581), (80, .2430, .2769, .5599), (96, .2458, .3415, .6410), (112, .2445, .4121, .6899),
        (128, .2601, .4818, .7194), (144, .2956, .5494, .7431), (160, .3454, .6160, .7666), (176, .4063, .6824, .7915),
        (192, .4806, .7484, .8175), (208, .5776, .8114, .8459), (224, .6941, .8704, .8857), (240, .8119, .9306, .9390),
        (255, .9181, .9918, .9928),
    });

    /// <summary>
    /// matplotlib's default colormap "viridis" (dark purple → teal → yellow), which the CelebA notebook's
    /// channel views use (docs/MODELS.md §7.3): matplotlib's 256-entry table sampled every 16 entries (and the
    /// last), interpolated linearly as the ice map is (the endpoints and every 16th entry are exact).
    /// </summary>
    public static Colormap Viridis { get; } = FromAnchors("viridis", new (int, double, double, double)[]
    {
        (0, .267004, .004874, .329415), (16, .282327, .094955, .417331), (32, .278826, .175490, .483397),
        (48, .258965, .251537, .524736), (64, .229739, .322361, .545706), (80, .199430, .387607, .554642),
        (96, .172719, .448791, .557885), (112, .149039, .508051, .557250), (128, .127568, .566949, .550556),
        (144, .120638, .625828, .533488), (160, .157851, .683765, .501686), (176, .246070, .738910, .452024),
        (192, .369214, .788888, .382914), (208, .515992, .831158, .294279), (224, .678489, .863742, .189503),
        (240, .845561, .887322, .099702), (255, .993248, .906157, .143936),
    });

    private static Colormap FromAnchors(string name, (int Index, double R, double G, double B)[] anchors)
    {
        var lut = new Rgba32[256];
        for (int a = 0; a + 1 < anchors.Length; a++)
        {
            var (i0, r0, g0, b0) = anchors[a];
            var (i1, r1, g1, b1) = anchors[a + 1];
            for (int i = i0; i <= i1; i++)
            {
                double f = (double)(i - i0) / (i1 - i0);
                lut[i] = new Rgba32(ToByte(r0 + f * (r1 - r0)), ToByte(g0 + f * (g1 - g0)), ToByte(b0 + f * (b1 - b0)));
            }
        }
        return new Colormap(name, lut);
    }

    internal static byte ToByte(double unit) => (byte)Math.Clamp((int)Math.Round(unit * 255, MidpointRounding.AwayFromZero), 0, 255);
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Eight consecutive output pixels of a convolution, located in the zero-bordered frames
/// (<see cref="PaddedImage"/>, row pitch Wp). Pixels of one output row are contiguous there; a run that
/// crosses into the next rows (or the next sample's frame) is two or three contiguous pieces (three when
/// OW &lt; 8, e.g. Glow's 7×7), read as vector loads and blended. This is what lets im2col packing copy vectors where it used to gather scalars at
/// every row break (before: 11% of a RealNVP training step in the forward packing, 6% in backward-weight's).
/// Reads may touch up to <see cref="PaddedImage.ReadSlack"/> floats past the frame; those lanes are blended away.
/// </summary>
internal readonly struct PixelRun
{
    private static readonly Vector256<float> LaneIndex = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);

    private readonly int _pieces, _offsetA, _offsetB, _offsetC;
    private readonly Vector256<float> _takeA, _takeB;

    private PixelRun(int pieces, int offsetA, int offsetB, int offsetC, Vector256<float> takeA, Vector256<float> takeB)
    {
        _pieces = pieces;
        _offsetA = offsetA;
        _offsetB = offsetB;
        _offsetC = offsetC;
        _takeA = takeA;
        _takeB = takeB;
    }

    /// <summary>
    /// The run whose lane l reads <paramref name="offsets"/>[l] (eight offsets into the frames, ≥ 0). True when
    /// they form at most three contiguous pieces and no piece's vector would start before offset 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool TryCreate(int* offsets, out PixelRun run)
    {
        run = default;
        // A piece is a stretch of lanes with one base = offset − lane; it is read as one vector at that base.
        int baseA = offsets[0], splitB = 1;
        while (splitB < 8 && offsets[splitB] - splitB == baseA) splitB++;
        if (splitB == 8)
        {
            run = new PixelRun(1, baseA, baseA, baseA, default, default);
            return true;
        }
        int baseB = offsets[splitB] - splitB, splitC = splitB + 1;
        while (splitC < 8 && offsets[splitC] - splitC == baseB) splitC++;
        if (baseB < 0) return false;
        var takeA = Vector256.LessThan(LaneIndex, Vector256.Create((float)splitB));
        if (splitC == 8)
        {
            run = new PixelRun(2, baseA, baseB, baseB, takeA, default);
            return true;
        }
        int baseC = offsets[splitC] - splitC;
        for (int lane = splitC + 1; lane < 8; lane++)
            if (offsets[lane] - lane != baseC) return false;
        if (baseC < 0) return false;
        run = new PixelRun(3, baseA, baseB, baseC, takeA, Vector256.LessThan(LaneIndex, Vector256.Create((float)splitC)));
        return true;
    }

    /// <summary>The eight pixels of the frame row that starts at <paramref name="rowStart"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe Vector256<float> Load(float* rowStart)
    {
        var a = Vector256.Load(rowStart + _offsetA);
        if (_pieces == 1) return a;
        var b = Vector256.Load(rowStart + _offsetB);
        if (_pieces == 3) b = Vector256.ConditionalSelect(_takeB, b, Vector256.Load(rowStart + _offsetC));
        return Vector256.ConditionalSelect(_takeA, a, b);
    }
}

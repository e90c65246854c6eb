using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flows.Kernels.Cpu;

/// <summary>
/// Sixteen consecutive output pixels of a convolution located in the zero-bordered frames (<see cref="PaddedImage"/>),
/// read as one AVX-512 vector: when their frame offsets all fall in a window of 32 floats (any output row width
/// of 7 or more at the frames' 2-column borders: 16 pixels cross at most three row ends), one permute of two
/// loads (vpermt2ps) gathers them; a run inside one output row is a single load. The 512-bit im2col panel of 32
/// columns is two of these per row where the 256-bit <see cref="PixelRun"/> needed four runs of up to three
/// loads and two blends each, kept on the stack. Reads stay within 16 floats past the last pixel read
/// (<see cref="PaddedImage.ReadSlack"/>): 16 distinct increasing offsets span at least 16.
/// </summary>
internal readonly struct PixelWindow
{
    public static bool IsSupported => Avx512F.IsSupported;

    private readonly int _base;
    private readonly bool _contiguous;
    private readonly Vector512<int> _index;

    private PixelWindow(int @base, bool contiguous, Vector512<int> index)
    {
        _base = @base;
        _contiguous = contiguous;
        _index = index;
    }

    /// <summary>The window whose lane l reads <paramref name="offsets"/>[l] (16 increasing offsets, ≥ 0); false when they span 32 floats or more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool TryCreate(int* offsets, out PixelWindow window)
    {
        int first = offsets[0];
        window = default;
        if (offsets[15] - first >= 32) return false;
        var index = Vector512.Create(offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5], offsets[6], offsets[7],
                                     offsets[8], offsets[9], offsets[10], offsets[11], offsets[12], offsets[13], offsets[14], offsets[15])
                    - Vector512.Create(first);
        for (int l = 1; l < 16; l++)
            if (offsets[l] <= offsets[l - 1]) return false;
        window = new PixelWindow(first, offsets[15] - first == 15, index);
        return true;
    }

    /// <summary>The sixteen pixels of the frame row that starts at <paramref name="rowStart"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe Vector512<float> Load(float* rowStart)
    {
        var low = Vector512.Load(rowStart + _base);
        if (_contiguous) return low;
        return Avx512F.PermuteVar16x32x2(low, _index, Vector512.Load(rowStart + _base + 16));
    }
}

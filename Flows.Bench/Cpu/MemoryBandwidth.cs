using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Flows.Bench.Cpu;

/// <summary>
/// The memory roof of docs/PERFORMANCE.md "CPU roofline": STREAM-style copy (b = a) and triad (a = b + s·c) over
/// 64 MB arrays, several times the last-level cache, so the data comes from DRAM. GB/s counts the bytes the loop
/// reads plus the bytes it writes (STREAM's convention: the read-for-ownership of a written line is not counted).
/// The work is split into one contiguous range per thread; best of several passes.
/// </summary>
public static class MemoryBandwidth
{
    public enum Kernel { Copy, Triad }

    private const int Floats = 16 << 20; // 64 MB per array

    /// <summary>GB/s of <paramref name="kernel"/> on <paramref name="threads"/> threads; best of <paramref name="passes"/>.</summary>
    public static double Measure(Kernel kernel, int threads, int passes = 6)
    {
        var a = GC.AllocateUninitializedArray<float>(Floats);
        var b = GC.AllocateUninitializedArray<float>(Floats);
        var c = kernel == Kernel.Triad ? GC.AllocateUninitializedArray<float>(Floats) : [];
        // Touch every page first so the timed passes measure DRAM, not page faults.
        a.AsSpan().Fill(1f);
        b.AsSpan().Fill(2f);
        c.AsSpan().Fill(3f);
        double bytesPerPass = (kernel == Kernel.Copy ? 2.0 : 3.0) * Floats * sizeof(float);
        double best = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            var watch = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                int start = (int)((long)Floats * t / threads), end = (int)((long)Floats * (t + 1) / threads);
                if (kernel == Kernel.Copy) Copy(a.AsSpan(start, end - start), b.AsSpan(start, end - start));
                else Triad(b.AsSpan(start, end - start), c.AsSpan(start, end - start), 0.5f, a.AsSpan(start, end - start));
            });
            best = Math.Max(best, bytesPerPass / watch.Elapsed.TotalSeconds / 1e9);
        }
        GC.KeepAlive(c);
        return best;
    }

    /// <summary>destination = source, with the widest vectors (not memmove, which may switch to non-temporal stores).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Copy(ReadOnlySpan<float> source, Span<float> destination)
    {
        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int i = 0, n = source.Length;
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
    }

    /// <summary>destination = x + scale·y.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Triad(ReadOnlySpan<float> x, ReadOnlySpan<float> y, float scale, Span<float> destination)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float d = ref MemoryMarshal.GetReference(destination);
        var s = Vector512.Create(scale);
        int i = 0, n = x.Length;
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref ys, (nuint)i), s, Vector512.LoadUnsafe(ref xs, (nuint)i)), ref d, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref xs, i) + scale * Unsafe.Add(ref ys, i);
    }
}

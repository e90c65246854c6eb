using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Counter-based random numbers: destination[i] = CounterRng.Uniform / Normal(seed, offset + i), the same pure
/// function the CPU backend calls, so both devices draw identical streams regardless of thread scheduling.
/// Normal uses double log/cos, which ILGPU lowers to a software CORDIC on PTX (accurate to ~1e-15, slower than
/// hardware float math); it is used for sampling, not in the training hot path, so exactness wins.
/// FillCounted reads the offset from a device counter (<see cref="DeviceCounter"/>) and a one-thread kernel then
/// advances it: two launches, so that no thread can see the counter advanced before it has read it.
/// </summary>
internal sealed class RandomKernels
{
    private readonly Action<Index1D, ArrayView<float>, ulong, ulong, int> _fill;
    private readonly Action<Index1D, ArrayView<float>, ulong, ArrayView<float>> _fillCounted;
    private readonly Action<Index1D, ArrayView<float>, int> _advance;

    public RandomKernels(Accelerator accelerator)
    {
        _fill = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ulong, ulong, int>(FillKernel));
        _fillCounted = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ulong, ArrayView<float>>(FillCountedKernel));
        _advance = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, int>(AdvanceKernel));
    }

    public void FillCounted(ArrayView<float> destination, int count, ulong seed, ArrayView<float> counter)
    {
        if (count <= 0) return;
        _fillCounted(count, destination, seed, counter);
        _advance(1, counter, count);
    }

    public void Fill(ArrayView<float> destination, int count, ulong seed, ulong offset, bool normal)
    {
        if (count > 0) _fill(count, destination, seed, offset, normal ? 1 : 0);
    }

    private static void FillKernel(Index1D index, ArrayView<float> destination, ulong seed, ulong offset, int normal)
    {
        int i = index;
        ulong counter = offset + (ulong)i;
        destination[i] = normal != 0 ? CounterRng.Normal(seed, counter) : CounterRng.Uniform(seed, counter);
    }

    private static ulong ReadCounter(ArrayView<float> counter) =>
        Interop.FloatAsInt(counter[0]) | ((ulong)Interop.FloatAsInt(counter[1]) << 32);

    private static void FillCountedKernel(Index1D index, ArrayView<float> destination, ulong seed, ArrayView<float> counter)
    {
        int i = index;
        destination[i] = CounterRng.Uniform(seed, ReadCounter(counter) + (ulong)i);
    }

    private static void AdvanceKernel(Index1D index, ArrayView<float> counter, int count)
    {
        ulong next = ReadCounter(counter) + (ulong)count;
        counter[0] = Interop.IntAsFloat((uint)next);
        counter[1] = Interop.IntAsFloat((uint)(next >> 32));
    }
}

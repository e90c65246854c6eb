using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// Counter-based random numbers: destination[i] = CounterRng.Uniform / Normal(seed, offset + i), the same pure
/// function the CPU backend calls, so both devices draw identical streams regardless of thread scheduling.
/// Normal uses double log/cos, which ILGPU lowers to a software CORDIC on PTX (accurate to ~1e-15, slower than
/// hardware float math); it is used for sampling, not in the training hot path, so exactness wins.
/// </summary>
internal sealed class RandomKernels
{
    private readonly Action<Index1D, ArrayView<float>, ulong, ulong, int> _fill;

    public RandomKernels(Accelerator accelerator)
    {
        _fill = LaunchCounter.For(accelerator).Counted(accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ulong, ulong, int>(FillKernel));
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
}

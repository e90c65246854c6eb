namespace Flows.Kernels.Cpu;

/// <summary>Fills from <see cref="CounterRng"/>: element i is a pure function of (seed, offset + i), as on the GPU.</summary>
internal static class RandomKernels
{
    public static void Fill(float[] destination, int count, ulong seed, ulong offset, bool normal)
    {
        CpuParallel.For(count, normal ? 40 : 8, (destination, seed, offset, normal), static (in state, start, end) =>
        {
            var (destination, seed, offset, normal) = state;
            if (normal)
                for (int i = start; i < end; i++) destination[i] = CounterRng.Normal(seed, offset + (ulong)i);
            else
                for (int i = start; i < end; i++) destination[i] = CounterRng.Uniform(seed, offset + (ulong)i);
        });
    }
}

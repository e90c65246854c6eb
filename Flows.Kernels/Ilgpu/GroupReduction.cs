using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// One reduction step: for output o, element r contributes a pair of partial sums. An op may also write
/// element-wise outputs as a side effect (each element is visited exactly once), which lets a layer's
/// backward pass write dx and reduce dscale in the same launch.
/// </summary>
internal interface IGroupReduction
{
    Pair Accumulate(int output, int r);

    void Finish(int output, float sum1, float sum2);
}

internal struct Pair
{
    public float A, B;

    public Pair(float a, float b)
    {
        A = a;
        B = b;
    }
}

/// <summary>
/// The generic reduction every per-sample / per-channel / total sum uses: each output o sums R elements.
///   Stage 1: grid (outputs, P). Group (o, p) reduces elements [p·chunk, (p+1)·chunk) with a shared-memory
///            tree (deterministic order). With P = 1 it calls Finish directly; otherwise it writes two partials.
///   Stage 2: one thread per output sums its P partials in order and calls Finish.
/// P splits an output across groups when there are too few outputs to fill the device (e.g. a per-channel
/// reduction over a 1-channel image batch).
/// v1: one group per output (P = 1 always): a 1-channel reduction ran on one multiprocessor.
/// v2 (current): split into P ≤ 64 groups per output when outputs &lt; 2·multiprocessors; GPU timing owed.
/// </summary>
internal sealed class GroupReduction
{
    public const int MaxGroupSize = 256;
    private const int MaxSplits = 64;

    private readonly Accelerator _accelerator;
    private readonly IlgpuBufferPool _pool;
    private readonly Dictionary<Type, Delegate> _stage1 = new();
    private readonly Dictionary<Type, Delegate> _stage2 = new();

    public GroupReduction(Accelerator accelerator, IlgpuBufferPool pool)
    {
        _accelerator = accelerator;
        _pool = pool;
        TargetGroups = Math.Max(2 * accelerator.NumMultiprocessors, 8);
    }

    /// <summary>The generic instantiations loaded so far (for the PTX compile check).</summary>
    public List<KernelEntry> Loaded { get; } = new();

    /// <summary>How many groups a reduction should spread over before it is worth splitting an output.</summary>
    public int TargetGroups { get; set; }

    /// <summary>Loads the kernels for one op type; called once per op at backend construction.</summary>
    public void Load<T>() where T : struct, IGroupReduction
    {
        _stage1[typeof(T)] = LaunchCounter.For(_accelerator).Counted(_accelerator.LoadKernel<T, int, int, ArrayView<float>, int>(Stage1<T>));
        _stage2[typeof(T)] = LaunchCounter.For(_accelerator).Counted(_accelerator.LoadAutoGroupedKernel<Index1D, T, ArrayView<float>, int>(Stage2<T>));
        Loaded.Add(new KernelEntry(((Action<T, int, int, ArrayView<float>, int>)Stage1<T>).Method, ExplicitlyGrouped: true));
        Loaded.Add(new KernelEntry(((Action<Index1D, T, ArrayView<float>, int>)Stage2<T>).Method, ExplicitlyGrouped: false));
    }

    public static int GroupSizeFor(int reduceLength)
    {
        int size = 32;
        while (size < reduceLength && size < MaxGroupSize) size *= 2;
        return size;
    }

    /// <summary>Runs op over outputs × reduceLength elements, splitting each output when that fills the device better.</summary>
    public void Run<T>(T op, int outputs, int reduceLength) where T : struct, IGroupReduction
    {
        if (outputs <= 0) return;
        int groupSize = GroupSizeFor(reduceLength);
        int wanted = (TargetGroups + outputs - 1) / outputs;
        int useful = Math.Max(1, reduceLength / (groupSize * 4));
        int splits = Math.Clamp(Math.Min(wanted, useful), 1, MaxSplits);
        RunWithSplits(op, outputs, reduceLength, splits);
    }

    /// <summary>Runs with an explicit split count (tests use it to cover both stages).</summary>
    public void RunWithSplits<T>(T op, int outputs, int reduceLength, int splits) where T : struct, IGroupReduction
    {
        if (outputs <= 0) return;
        int groupSize = GroupSizeFor(reduceLength);
        int chunk = (reduceLength + splits - 1) / Math.Max(splits, 1);
        var stage1 = (Action<KernelConfig, T, int, int, ArrayView<float>, int>)_stage1[typeof(T)];
        if (splits <= 1)
        {
            stage1(new KernelConfig(new Index2D(outputs, 1), new Index2D(groupSize, 1)), op, reduceLength, Math.Max(reduceLength, 1), default, 1);
            return;
        }
        using var partials = _pool.Rent(2 * outputs * splits);
        stage1(new KernelConfig(new Index2D(outputs, splits), new Index2D(groupSize, 1)), op, reduceLength, chunk, partials.View, splits);
        var stage2 = (Action<Index1D, T, ArrayView<float>, int>)_stage2[typeof(T)];
        stage2(outputs, op, partials.View, splits);
    }

    /// <summary>Stage 1 into caller-owned partials, never finishing on the device (SumOfSquares sums them on the host).</summary>
    public void RunPartialsOnly<T>(T op, int reduceLength, int splits, ArrayView<float> partials) where T : struct, IGroupReduction
    {
        int groupSize = GroupSizeFor(reduceLength);
        int chunk = (reduceLength + splits - 1) / splits;
        var stage1 = (Action<KernelConfig, T, int, int, ArrayView<float>, int>)_stage1[typeof(T)];
        // splits is passed as -splits: the sign tells the kernel to write partials even when there is one split.
        stage1(new KernelConfig(new Index2D(1, splits), new Index2D(groupSize, 1)), op, reduceLength, chunk, partials, -splits);
    }

    private static void Stage1<T>(T op, int reduceLength, int chunk, ArrayView<float> partials, int splitsSigned)
        where T : struct, IGroupReduction
    {
        var shared1 = SharedMemory.Allocate<float>(MaxGroupSize);
        var shared2 = SharedMemory.Allocate<float>(MaxGroupSize);
        int output = Grid.IdxX;
        int split = Grid.IdxY;
        int thread = Group.IdxX;
        int dim = Group.DimX;
        int begin = split * chunk;
        int end = begin + chunk < reduceLength ? begin + chunk : reduceLength;

        float s1 = 0f, s2 = 0f;
        for (int r = begin + thread; r < end; r += dim)
        {
            var pair = op.Accumulate(output, r);
            s1 += pair.A;
            s2 += pair.B;
        }
        shared1[thread] = s1;
        shared2[thread] = s2;
        Group.Barrier();
        for (int stride = dim / 2; stride > 0; stride /= 2)
        {
            if (thread < stride)
            {
                shared1[thread] += shared1[thread + stride];
                shared2[thread] += shared2[thread + stride];
            }
            Group.Barrier();
        }
        if (thread == 0)
        {
            if (splitsSigned == 1)
            {
                op.Finish(output, shared1[0], shared2[0]);
            }
            else
            {
                int splits = splitsSigned < 0 ? -splitsSigned : splitsSigned;
                int at = 2 * (output * splits + split);
                partials[at] = shared1[0];
                partials[at + 1] = shared2[0];
            }
        }
    }

    private static void Stage2<T>(Index1D index, T op, ArrayView<float> partials, int splits)
        where T : struct, IGroupReduction
    {
        int output = index;
        float s1 = 0f, s2 = 0f;
        for (int p = 0; p < splits; p++)
        {
            s1 += partials[2 * (output * splits + p)];
            s2 += partials[2 * (output * splits + p) + 1];
        }
        op.Finish(output, s1, s2);
    }
}

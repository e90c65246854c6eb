using ILGPU;
using ILGPU.Runtime;

namespace Flows.Kernels.Ilgpu;

/// <summary>
/// weight_norm (dim 0), one launch each way: one group per output row reduces over the row in shared memory
/// (deterministic tree order), then every thread writes its share of the row.
///   Forward   norms[r] = ‖v_r‖, w = g_r·v/‖v_r‖
///   Backward  s = Σ v·dw, dg_r = s/‖v_r‖, dv = (g_r/‖v_r‖)·(dw − v·s/‖v_r‖²)
/// v1 (kept in Flows.Core/Layers/WeightNorm.cs as the composed ops): square, row sum, sqrt, divide, broadcast
/// multiply forward and about twelve launches back, about 17 per convolution and step; this one is 2.
/// </summary>
internal sealed class WeightNormKernels
{
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _forward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _backward;

    public WeightNormKernels(Accelerator accelerator)
    {
        var counter = LaunchCounter.For(accelerator);
        _forward = counter.Counted(accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ForwardKernel));
        _backward = counter.Counted(accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BackwardKernel));
        Loaded.Add(new KernelEntry(((Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>)ForwardKernel).Method, ExplicitlyGrouped: true));
        Loaded.Add(new KernelEntry(((Action<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>)BackwardKernel).Method, ExplicitlyGrouped: true));
    }

    /// <summary>The explicitly grouped kernels (for the PTX compile check).</summary>
    public List<KernelEntry> Loaded { get; } = new();

    private static KernelConfig Rows(int rows, int rest) =>
        new(new Index2D(rows, 1), new Index2D(GroupReduction.GroupSizeFor(rest), 1));

    public void Forward(ArrayView<float> g, ArrayView<float> v, ArrayView<float> w, ArrayView<float> norms, int rows, int rest) =>
        _forward(Rows(rows, rest), g, v, w, norms, rest);

    public void Backward(ArrayView<float> g, ArrayView<float> v, ArrayView<float> norms, ArrayView<float> dw,
                         ArrayView<float> dg, ArrayView<float> dv, int rows, int rest) =>
        _backward(Rows(rows, rest), g, v, norms, dw, dg, dv, rest);

    /// <summary>Σ over the group of each thread's partial, in a fixed tree order; every thread gets the total.</summary>
    private static float GroupSum(ArrayView<float> shared, float partial)
    {
        int thread = Group.IdxX;
        shared[thread] = partial;
        Group.Barrier();
        for (int stride = Group.DimX / 2; stride > 0; stride /= 2)
        {
            if (thread < stride) shared[thread] += shared[thread + stride];
            Group.Barrier();
        }
        return shared[0];
    }

    private static void ForwardKernel(ArrayView<float> g, ArrayView<float> v, ArrayView<float> w, ArrayView<float> norms, int rest)
    {
        var shared = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX, start = row * rest;
        float s = 0f;
        for (int i = Group.IdxX; i < rest; i += Group.DimX)
        {
            float x = v[start + i];
            s += x * x;
        }
        float norm = DeviceMath.Sqrt(GroupSum(shared.SubView(0, Group.DimX), s));
        if (Group.IdxX == 0) norms[row] = norm;
        float factor = g[row] / norm;
        for (int i = Group.IdxX; i < rest; i += Group.DimX) w[start + i] = v[start + i] * factor;
    }

    private static void BackwardKernel(ArrayView<float> g, ArrayView<float> v, ArrayView<float> norms, ArrayView<float> dw,
                                       ArrayView<float> dg, ArrayView<float> dv, int rest)
    {
        var shared = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX, start = row * rest;
        float s = 0f;
        for (int i = Group.IdxX; i < rest; i += Group.DimX) s += v[start + i] * dw[start + i];
        float dot = GroupSum(shared.SubView(0, Group.DimX), s);
        float norm = norms[row];
        if (Group.IdxX == 0) dg[row] = dot / norm;
        float scale = g[row] / norm, along = dot / (norm * norm);
        for (int i = Group.IdxX; i < rest; i += Group.DimX) dv[start + i] = scale * (dw[start + i] - v[start + i] * along);
    }
}

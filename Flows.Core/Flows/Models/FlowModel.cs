using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// A whole flow: maps data x (per-sample shape <see cref="DataShape"/>) to a flat latent z [N, D] and back,
/// with log-likelihood under the standard-normal prior (paper-spec §4.3) and sampling.
/// </summary>
public abstract class FlowModel : FlowLayer
{
    protected FlowModel(IComputeBackend backend, ModelConfig config, int[] dataShape) : base(backend)
    {
        Config = config;
        DataShape = dataShape;
        Dimension = Shapes.Count(dataShape);
        Name = config.Name;
    }

    public ModelConfig Config { get; }
    public int[] DataShape { get; }

    /// <summary>D, the length of z.</summary>
    public int Dimension { get; }

    /// <summary>The dequantization noise source, or null for models without dequantization (tabular).</summary>
    public virtual DequantizationNoise? Noise => null;

    /// <summary>
    /// True for models of 8-bit images, whose likelihood is that of the 256-level data (−D·ln 256, bits/dim);
    /// false for models of continuous vectors (a density in nats).
    /// </summary>
    public virtual bool DiscreteData => true;

    /// <summary>Per-sample log-likelihood in nats [N]; differentiable.</summary>
    public Tensor LogLikelihood(Tensor x) => FlowLikelihood.LogLikelihood(Forward(x), DiscreteData);

    /// <summary>
    /// count samples x = f⁻¹(z) with z ~ N(0, I) drawn from the counter RNG at (seed, offset). Call Eval() first
    /// for the paper's samples (BatchNorm running statistics).
    /// </summary>
    public Tensor Sample(int count, ulong seed, ulong offset = 0)
    {
        using var _ = Autograd.NoGrad();
        var z = Tensor.Normal(Backend, seed, offset, count, Dimension);
        return Inverse(z).Value;
    }

    /// <summary>Every coupling layer, in forward order.</summary>
    public IEnumerable<AffineCoupling> Couplings() => Walk(this).OfType<AffineCoupling>();

    /// <summary>Every ActNorm layer, in forward order.</summary>
    public IEnumerable<ActNorm> ActNorms() => Walk(this).OfType<ActNorm>();

    private static IEnumerable<Module> Walk(Module m)
    {
        foreach (var (_, child) in m.NamedChildren())
        {
            yield return child;
            foreach (var d in Walk(child)) yield return d;
        }
    }

    protected void RequireData(Tensor x)
    {
        if (x.Rank != DataShape.Length + 1 || !x.Shape.AsSpan(1).SequenceEqual(DataShape))
            throw new ArgumentException($"{Name}: expected input [N, {string.Join(", ", DataShape)}], got {Shapes.Format(x.Shape)}");
    }

    protected void RequireLatent(Tensor z)
    {
        if (z.Rank != 2 || z.Shape[1] != Dimension)
            throw new ArgumentException($"{Name}: expected a latent [N, {Dimension}], got {Shapes.Format(z.Shape)}");
    }

    public override int[] OutputShape(int[] inputShape)
    {
        if (!inputShape.SequenceEqual(DataShape))
            throw new ArgumentException($"{Name}: expected per-sample input {Shapes.Format(DataShape)}, got {Shapes.Format(inputShape)}");
        return [Dimension];
    }
}

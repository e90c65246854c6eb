using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// A whole flow, as nflows' Flow(transform, distribution): a body transform that maps data x (per-sample shape
/// <see cref="DataShape"/>) to a flat latent z [N, D] and back, and a base distribution for z (the standard
/// normal of docs/MODELS.md §4.3 unless another is given). Log-likelihood, sampling, inspection and attribution all
/// go through the same <see cref="Body"/>, registered as "body" so parameter names read "body.{i}.…".
/// </summary>
public abstract class FlowModel : FlowLayer
{
    protected FlowModel(IComputeBackend backend, ModelConfig config, int[] dataShape, FlowLayer body, IBaseDistribution? prior)
        : base(backend)
    {
        Config = config;
        DataShape = dataShape;
        Dimension = Shapes.Count(dataShape);
        Name = config.Name;
        Prior = prior ?? new StandardNormal(backend, Dimension);
        if (Prior.Dimension != Dimension)
            throw new ArgumentException($"{Name}: the base distribution {Prior.Describe()} has {Prior.Dimension} dimensions, the model's latent has {Dimension}");
        Body = AddModule("body", body);
        AssignNames();
    }

    public ModelConfig Config { get; }
    public int[] DataShape { get; }

    /// <summary>D, the length of z.</summary>
    public int Dimension { get; }

    /// <summary>The transform x → z; its log-determinants are the model's.</summary>
    public FlowLayer Body { get; }

    /// <summary>The base distribution of z.</summary>
    public IBaseDistribution Prior { get; }

    /// <summary>The dequantization noise source, or null for models without dequantization (tabular).</summary>
    public virtual DequantizationNoise? Noise => null;

    /// <summary>
    /// True for models of 8-bit images, whose likelihood is that of the 256-level data (−D·ln 256, bits/dim);
    /// false for models of continuous vectors (a density in nats).
    /// </summary>
    public virtual bool DiscreteData => true;

    /// <summary>
    /// The constant of the log-likelihood: the prior's normalizer, and −D·ln 256 for discrete data, which turns the
    /// density of the dequantized [0, 1] data into a 256-level likelihood (docs/MODELS.md §4.3; §4.10 for vectors).
    /// </summary>
    public double LogLikelihoodConstant => Prior.LogNormalizer - (DiscreteData ? Dimension * FlowLikelihood.Log256 : 0);

    /// <summary>
    /// Per-sample log-likelihood in nats [N]: log p(z) + Σ log|det J| (− D·ln 256 for images); differentiable.
    /// The constants are added once, after the sum, so the numbers are those of the single formula of §4.3.
    /// </summary>
    public Tensor LogLikelihood(Tensor x)
    {
        var (z, logdet) = Forward(x);
        return Ops.AddScalar(Ops.Add(Prior.UnnormalizedLogProb(z), logdet), (float)LogLikelihoodConstant);
    }

    /// <summary>
    /// count samples x = f⁻¹(z) with z drawn from the base distribution with the counter RNG at (seed, offset).
    /// Call Eval() first for the paper's samples (BatchNorm running statistics).
    /// </summary>
    public Tensor Sample(int count, ulong seed, ulong offset = 0)
    {
        using var _ = Autograd.NoGrad();
        return Inverse(Prior.Sample(count, seed, offset)).Value;
    }

    public override FlowOutput Forward(Tensor x)
    {
        RequireData(x);
        return Body.Forward(x);
    }

    public override FlowOutput Inverse(Tensor z)
    {
        RequireLatent(z);
        return Body.Inverse(z);
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

using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// The image flows of the paper (docs/MODELS.md §4.1, §4.7, §4.8): a <see cref="MultiScaleBody"/> (steps applied in
/// order to x, factor-outs setting channels aside) under a base distribution, with the dequantization noise
/// source of its first layer. Step layers are named "body.{i}"; factor-outs have an index but no parameters.
/// </summary>
public sealed class MultiScaleFlow : FlowModel
{
    public MultiScaleFlow(IComputeBackend backend, ModelConfig config, ImageShape image, IReadOnlyList<BodyStep> steps,
                          DequantizationNoise? noise, IBaseDistribution? prior = null)
        : base(backend, config, image.ToArray(), new MultiScaleBody(backend, config.Name, image, steps), prior)
    {
        NoiseSource = noise;
    }

    private DequantizationNoise? NoiseSource { get; }

    public override DequantizationNoise? Noise => NoiseSource;

    /// <summary>The multi-scale transform x → z.</summary>
    public new MultiScaleBody Body => (MultiScaleBody)base.Body;

    public IReadOnlyList<BodyStep> Steps => Body.Steps;

    /// <summary>The per-sample shape of x entering body step i.</summary>
    public int[] InputShapeAt(int position) => Body.InputShapeAt(position);

    /// <summary>The per-sample shapes of the factored-out pieces, in order, then the final x's.</summary>
    public IReadOnlyList<int[]> LatentPieceShapes => Body.LatentPieceShapes;

    /// <summary>z [N, D] → the factored pieces and the final x, each in its image shape [N, C, H, W].</summary>
    public List<Tensor> SplitLatent(Tensor z) => Body.SplitLatent(z);

    /// <summary>
    /// Puts a tensor that lives at body step <paramref name="position"/> (as x enters that step, e.g. a coupling's
    /// output or its s and t) back into the image layout [N, C, H, W] by undoing every squeeze and factor-out
    /// before it (docs/MODELS.md §7.2). Factored-out channels come from <paramref name="factored"/> (the pieces
    /// factored out before that step, e.g. <see cref="CouplingTrace.Factored"/>) or are filled with
    /// <paramref name="fill"/> when it is null. Every other layer is treated as the identity.
    /// </summary>
    public Tensor ToImageLayout(Tensor t, int position, IReadOnlyList<Tensor>? factored = null, float fill = 0f) =>
        Body.ToImageLayout(t, position, factored, fill);

    /// <summary>
    /// The "reshape model" of docs/MODELS.md §7.3: z [N, D] in image layout [N, C, H, W] with only the factor-outs
    /// and squeezes undone (couplings, ActNorm and 1×1 convs act as the identity). With applySigmoid the
    /// dequantization's inverse (a sigmoid) is applied too, as the Glow notebook's variant does.
    /// </summary>
    public Tensor UnflattenToImage(Tensor z, bool applySigmoid = false) => Body.UnflattenToImage(z, applySigmoid);

    public override string Describe() => $"MultiScaleFlow({Config.Name})";
}

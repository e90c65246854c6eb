namespace Flows.Core.Flows;

/// <summary>How a composite applies one of its layers: plainly, or while recording (see <see cref="FlowWalk"/>).</summary>
public delegate FlowOutput FlowStep(FlowLayer layer, Tensor x);

/// <summary>
/// A flow layer made of other flow layers (a sequence, the multi-scale body): its forward pass applies each
/// child through a <see cref="FlowStep"/>, so a walk can look inside without copying the composite's loop.
/// </summary>
public interface ICompositeFlow
{
    /// <summary>The direct children that are applied, in forward order.</summary>
    IEnumerable<FlowLayer> Layers { get; }

    /// <summary>The composite's forward pass with every child applied by <paramref name="step"/>.</summary>
    FlowOutput Forward(Tensor x, FlowStep step);
}

/// <summary>
/// One walk over a flow's body: the composites run their own loops, and every leaf layer (one that is not a
/// composite) reports its log-determinant. Likelihood attribution (image and tabular) is this walk.
/// </summary>
public static class FlowWalk
{
    public static readonly FlowStep Plain = (layer, x) => layer.Forward(x);

    public static readonly FlowStep PlainInverse = (layer, y) => layer.Inverse(y);

    /// <summary>The body's forward pass, calling <paramref name="onLeaf"/> with each leaf and its output, in order.</summary>
    public static FlowOutput Forward(FlowLayer body, Tensor x, Action<FlowLayer, FlowOutput> onLeaf)
    {
        FlowStep step = null!;
        step = (layer, input) =>
        {
            if (layer is ICompositeFlow composite) return composite.Forward(input, step);
            var output = layer.Forward(input);
            onLeaf(layer, output);
            return output;
        };
        return step(body, x);
    }

    /// <summary>The leaf layers of a body in forward order: the ones <see cref="Forward"/> reports.</summary>
    public static IEnumerable<FlowLayer> Leaves(FlowLayer body) =>
        body is ICompositeFlow composite ? composite.Layers.SelectMany(Leaves) : [body];
}

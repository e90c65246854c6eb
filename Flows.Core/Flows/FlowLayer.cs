using Flows.Kernels;

namespace Flows.Core.Flows;

/// <summary>
/// One invertible map, in the spirit of nflows' Transform: <see cref="Forward"/> takes x to y and reports
/// log|det ∂y/∂x| per sample; <see cref="Inverse"/> takes y back to x and reports log|det ∂x/∂y|. Layers are
/// modules, so their parameters and buffers appear in the state dict under dotted names.
/// </summary>
public abstract class FlowLayer : Module
{
    protected FlowLayer(IComputeBackend backend) : base(backend) => Name = GetType().Name;

    /// <summary>The dotted path of this layer in its model ("body.3.coupling"); used in error messages.</summary>
    public string Name { get; protected set; }

    public abstract FlowOutput Forward(Tensor x);

    public abstract FlowOutput Inverse(Tensor y);

    /// <summary>
    /// The per-sample output shape (no batch axis) for a per-sample input shape; throws ArgumentException
    /// naming this layer when the layer cannot take that input.
    /// </summary>
    public virtual int[] OutputShape(int[] inputShape) => (int[])inputShape.Clone();

    /// <summary>A one-line summary for <see cref="FlowDescription"/>.</summary>
    public virtual string Describe() => GetType().Name;

    /// <summary>Names every flow layer below this one by its dotted module path, under the given prefix.</summary>
    public void AssignNames(string prefix = "")
    {
        Visit(this, prefix);

        static void Visit(Module module, string prefix)
        {
            foreach (var (childName, child) in module.NamedChildren())
            {
                string path = prefix.Length == 0 ? childName : prefix + "." + childName;
                if (child is FlowLayer layer) layer.Name = path;
                Visit(child, path);
            }
        }
    }

    /// <summary>Throws naming this layer when x is not [N, ...expected].</summary>
    protected void RequireInput(Tensor x, int[] expected)
    {
        if (x.Rank != expected.Length + 1 || !x.Shape.AsSpan(1).SequenceEqual(expected))
            throw new ArgumentException($"{Name}: expected input [N, {string.Join(", ", expected)}], got {Shapes.Format(x.Shape)}");
    }
}

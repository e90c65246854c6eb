namespace Flows.Core;

/// <summary>Walks a module tree, for code that needs every BatchNorm or every flow layer of a model (training, scoring, inspection).</summary>
public static class ModuleTree
{
    /// <summary>Every module below <paramref name="root"/> (not root itself), depth first, in registration order.</summary>
    public static IEnumerable<Module> Descendants(Module root)
    {
        foreach (var (_, child) in root.NamedChildren())
        {
            yield return child;
            foreach (var d in Descendants(child)) yield return d;
        }
    }
}

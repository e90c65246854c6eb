namespace Flows.Tests.Architecture;

/// <summary>
/// Flows.Core's namespaces (Data, Evaluation, Training, Inspection, …) use each other in one direction only. The
/// engine folders (Tensors, Autodiff, Ops, Layers, Modules, …) share the namespace Flows.Core and are one node here.
/// </summary>
public class CoreNamespaceCycleTests
{
    private static string CoreFolder()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "FlowsFromScratch.sln")))
                return Path.Combine(d.FullName, "Flows.Core");
        throw new DirectoryNotFoundException($"no FlowsFromScratch.sln above {TestContext.CurrentContext.TestDirectory}: the test reads Flows.Core's sources");
    }

    private static IEnumerable<(string, string)> Sources(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"))
            .Order(StringComparer.Ordinal)
            .Select(p => (Path.GetRelativePath(folder, p), File.ReadAllText(p)));

    [Test]
    public void CoreNamespacesHaveNoDependencyCycle()
    {
        var graph = NamespaceGraph.FromSources(Sources(CoreFolder()), depth: 3);
        Assert.That(graph.Edges.Keys, Does.Contain("Flows.Core.Training").And.Contain("Flows.Core.Evaluation"), "the sources were read");
        Assert.That(graph.Edges["Flows.Core.Training"].Keys, Does.Contain("Flows.Core.Evaluation"), "a real use is seen (the trainer's AUROC)");
        var cycle = graph.FindCycle();
        Assert.That(cycle, Is.Null, "namespace cycle: " + string.Join("; ", cycle ?? []));
    }

    [Test]
    public void TheGraphSeesUsingsQualifiedNamesAndCycles()
    {
        (string, string)[] sources =
        [
            ("A/Left.cs", "using Lib.B;\nnamespace Lib.A;\npublic sealed class Left { Right? r; } // Middle\n"),
            ("B/Right.cs", "namespace Lib.B;\npublic class Right { Lib.C.Middle? m; string s = \"Left\"; }\n"),
            ("C/Middle.cs", "namespace Lib.C;\npublic record Middle\n{\n    public sealed class Nested;\n}\n"),
            ("C/User.cs", "using Lib.A;\nnamespace Lib.C;\ninternal static class User { static Left? l; }\n"),
        ];
        var graph = NamespaceGraph.FromSources(sources, depth: 2);
        Assert.That(graph.Edges["Lib.A"].Keys, Is.EqualTo(new[] { "Lib.B" }), "the comment's Middle is not a use");
        Assert.That(graph.Edges["Lib.B"].Keys, Is.EqualTo(new[] { "Lib.C" }), "a fully qualified use counts; a string does not");
        Assert.That(graph.FindCycle(), Is.EqualTo(new[]
        {
            "Lib.A -> Lib.B (A/Left.cs: Right)",
            "Lib.B -> Lib.C (B/Right.cs: Middle)", "Lib.C -> Lib.A (C/User.cs: Left)",
        }));

        var acyclic = NamespaceGraph.FromSources(sources.Take(3), depth: 2);
        Assert.That(acyclic.FindCycle(), Is.Null);
    }
}

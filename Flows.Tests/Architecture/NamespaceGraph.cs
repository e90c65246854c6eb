using System.Text.RegularExpressions;

namespace Flows.Tests.Architecture;

/// <summary>
/// Which namespaces of a project's sources use which, read from the source text: a file in namespace A uses
/// namespace B when it names a top-level type declared in B and B is visible there (a `using B;`, B an enclosing
/// namespace of A, or a fully qualified `B.Type`). Namespaces are cut to <c>depth</c> segments, so Flows.Core.Data.Uci
/// counts as Flows.Core.Data. It is a reading of identifiers, not of the compiler's symbols: a local name that equals
/// a visible type's name counts as a use (only top-level type names are collected, which keeps such clashes rare).
/// </summary>
internal sealed partial class NamespaceGraph
{
    private readonly Dictionary<string, Dictionary<string, string>> _edges = new(StringComparer.Ordinal);

    /// <summary>Namespace → namespaces it uses, each with one example ("file: Type").</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges => _edges;

    public static NamespaceGraph FromSources(IEnumerable<(string Path, string Text)> sources, int depth)
    {
        var files = sources.Select(s => Parse(s.Path, s.Text)).ToList();
        var declaredIn = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var f in files)
            foreach (var type in f.Types)
            {
                if (!declaredIn.TryGetValue(type, out var list)) declaredIn[type] = list = [];
                if (!list.Contains(f.Namespace)) list.Add(f.Namespace);
            }

        var graph = new NamespaceGraph();
        foreach (var f in files)
        {
            string from = Cut(f.Namespace, depth);
            if (!graph._edges.ContainsKey(from)) graph._edges[from] = new(StringComparer.Ordinal);
            var visible = new HashSet<string>(f.Usings, StringComparer.Ordinal);
            for (string ns = f.Namespace; ns.Contains('.');) visible.Add(ns = ns[..ns.LastIndexOf('.')]);
            foreach (Match m in Identifier().Matches(f.Code))
            {
                string name = m.Value;
                if (!declaredIn.TryGetValue(name, out var owners)) continue;
                string qualifier = Qualifier(f.Code, m.Index);
                foreach (var owner in owners)
                {
                    string to = Cut(owner, depth);
                    // Qualified: Flows.Core.Data.ImageBatch, or Data.ImageBatch inside Flows.Core; a member access (x.Name) is no use.
                    bool seen = qualifier.Length > 0 ? owner == qualifier || owner.EndsWith("." + qualifier, StringComparison.Ordinal)
                                                     : visible.Contains(owner) || owner == f.Namespace;
                    if (to != from && seen) graph._edges[from].TryAdd(to, $"{f.Path}: {name}");
                }
            }
        }
        return graph;
    }

    /// <summary>A cycle as the namespaces along it (first = last) with one example use per step; null if there is none.</summary>
    public IReadOnlyList<string>? FindCycle()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in _edges.GetValueOrDefault(node)?.Keys.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>())
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    var cycle = path.Skip(path.IndexOf(next)).Append(next).ToList();
                    return cycle.Zip(cycle.Skip(1), (a, b) => $"{a} -> {b} ({_edges[a][b]})").ToList();
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in _edges.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }

    private sealed record SourceFile(string Path, string Namespace, IReadOnlyList<string> Usings, IReadOnlyList<string> Types, string Code);

    private static SourceFile Parse(string path, string text)
    {
        string code = Strings().Replace(Comments().Replace(text, " "), "\"\"");
        string ns = FileNamespace().Match(code) is { Success: true } m ? m.Groups[1].Value
            : throw new FormatException($"{path}: no file-scoped namespace");
        var usings = UsingLine().Matches(code).Select(u => u.Groups[1].Value).ToList();
        var types = TopLevelType().Matches(code).Select(t => t.Groups["name"].Value).ToList();
        return new SourceFile(path, ns, usings, types, code);
    }

    /// <summary>The dotted name just before position <paramref name="index"/> ("Flows.Core.Data" in "Flows.Core.Data.ImageBatch"), or "".</summary>
    private static string Qualifier(string code, int index)
    {
        int end = index;
        while (end > 0 && code[end - 1] == '.')
        {
            int start = end - 1;
            while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_')) start--;
            if (start == end - 1) break;
            end = start;
        }
        return end == index ? "" : code[end..(index - 1)];
    }

    private static string Cut(string ns, int depth) => string.Join('.', ns.Split('.').Take(depth));

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    // Verbatim and raw strings first, then ordinary ones; interpolation holes are dropped with the text (a rare miss).
    [GeneratedRegex("\"\"\".*?\"\"\"|@\"(?:[^\"]|\"\")*\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])'", RegexOptions.Singleline)]
    private static partial Regex Strings();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^(?:global\s+)?using\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    // File-scoped namespaces: a top-level type starts at column 0; nested types are indented.
    [GeneratedRegex(@"^(?:(?:public|internal|file|static|sealed|abstract|partial|readonly|ref|unsafe)\s+)*(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+(?<name>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();
}

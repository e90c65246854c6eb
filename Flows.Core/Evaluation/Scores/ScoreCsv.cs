using System.Globalization;
using System.Text;
using Flows.Core.Checkpoints;

namespace Flows.Core.Evaluation;

/// <summary>
/// The per-sample scores as <c>scores.csv</c> (docs/METRICS.md, "scores.csv"): a header
/// <c>set,role,index,label,SCORE…</c>, then one row per sample of every set in report order. Numbers are invariant
/// round-trip doubles ("R"), non-finite ones <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>; a set name with a comma
/// or quote is quoted as RFC 4180 says. Written atomically.
/// </summary>
public static class ScoreCsv
{
    /// <summary>The file name beside report.json.</summary>
    public const string FileName = "scores.csv";

    private static readonly string[] Fixed = ["set", "role", "index", "label"];

    /// <summary>Writes the tables to <paramref name="path"/>; every table must have the same scores.</summary>
    public static void Write(string path, IReadOnlyList<ScoredSetTable> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var names = sets.Count == 0 ? [] : sets[0].Scores.Keys.ToList();
        if (sets.Any(s => !s.Scores.Keys.SequenceEqual(names)))
            throw new ArgumentException("every set must carry the same scores in the same order", nameof(sets));
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            w.WriteLine(string.Join(",", Fixed.Concat(names.Select(Quote))));
            var inv = CultureInfo.InvariantCulture;
            foreach (var s in sets)
            {
                string prefix = Quote(s.Name) + "," + Quote(s.Role) + ",";
                for (int i = 0; i < s.Count; i++)
                {
                    var sb = new StringBuilder(prefix);
                    sb.Append(i.ToString(inv)).Append(',').Append(i < s.Labels.Length ? s.Labels[i].ToString(inv) : "-1");
                    foreach (var n in names) sb.Append(',').Append(s.Scores[n][i].ToString("R", inv));
                    w.WriteLine(sb.ToString());
                }
            }
        });
    }

    /// <summary>Reads a file written by <see cref="Write"/> back into tables (set order and score order kept).</summary>
    /// <exception cref="InvalidDataException">The file is not such a CSV; the message names the line.</exception>
    public static IReadOnlyList<ScoredSetTable> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw Bad(path, 1, "it is empty");
        var header = Split(lines[0]);
        if (header.Count < Fixed.Length || !header.Take(Fixed.Length).SequenceEqual(Fixed))
            throw Bad(path, 1, $"the header must start with {string.Join(",", Fixed)}");
        var names = header.Skip(Fixed.Length).ToList();
        var order = new List<string>();
        var rows = new Dictionary<string, (string Role, List<int> Labels, List<double[]> Values)>();
        for (int k = 1; k < lines.Length; k++)
        {
            if (lines[k].Length == 0) continue;
            var f = Split(lines[k]);
            if (f.Count != header.Count) throw Bad(path, k + 1, $"{f.Count} fields, the header has {header.Count}");
            if (!rows.TryGetValue(f[0], out var set))
            {
                rows[f[0]] = set = (f[1], new List<int>(), new List<double[]>());
                order.Add(f[0]);
            }
            if (!int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int index) || index != set.Labels.Count)
                throw Bad(path, k + 1, $"index '{f[2]}' is out of order");
            set.Labels.Add(int.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) ? label : throw Bad(path, k + 1, $"label '{f[3]}' is not a whole number"));
            set.Values.Add(f.Skip(Fixed.Length).Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
                ? d : throw Bad(path, k + 1, $"'{v}' is not a number")).ToArray());
        }
        return order.Select(n =>
        {
            var (role, labels, values) = rows[n];
            var scores = names.Select((s, j) => (s, values.Select(r => r[j]).ToArray())).ToDictionary(p => p.s, p => p.Item2);
            return new ScoredSetTable(n, role, labels.ToArray(), scores);
        }).ToList();
    }

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields;
    }

    private static InvalidDataException Bad(string path, int line, string what) =>
        new($"scores file '{path}' line {line}: {what}; write it again with 'flows ood'");
}

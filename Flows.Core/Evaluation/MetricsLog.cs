using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flows.Core.Checkpoints;
using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>
/// A run's <c>metrics.json</c>: a JSON array with one object per epoch (or any step). Each
/// <see cref="Append(IEnumerable{KeyValuePair{string, object}})"/> rewrites the whole file atomically, so it is
/// valid JSON whenever a reader (a plotting script, CI) looks at it, even if training is killed.
/// Non-finite numbers are written as null, as JSON has no NaN.
/// </summary>
public sealed class MetricsLog
{
    private readonly List<JsonObject> _records = new();

    public string Path { get; }
    public IReadOnlyList<JsonObject> Records => _records;

    /// <summary>
    /// Opens the log at <paramref name="path"/>. With <paramref name="resume"/> an existing file's records are
    /// kept and new ones appended after them; otherwise the first append replaces the file.
    /// </summary>
    public MetricsLog(string path, bool resume = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        if (resume && File.Exists(path)) _records.AddRange(Read(path));
    }

    public void Append(params (string Key, object? Value)[] fields) =>
        Append(fields.Select(f => new KeyValuePair<string, object?>(f.Key, f.Value)));

    public void Append(IEnumerable<KeyValuePair<string, object?>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var record = new JsonObject();
        foreach (var (key, value) in fields)
        {
            if (record.ContainsKey(key)) throw new ArgumentException($"Metric '{key}' appears twice in one record.", nameof(fields));
            record[key] = ToNode(key, value);
        }
        _records.Add(record);
        AtomicFile.Write(Path, Write);
    }

    private void Write(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartArray();
        foreach (var r in _records) r.WriteTo(json);
        json.WriteEndArray();
    }

    /// <summary>The records of a metrics file.</summary>
    public static IReadOnlyList<JsonObject> Read(string path)
    {
        try
        {
            var node = JsonNode.Parse(File.ReadAllBytes(path));
            if (node is not JsonArray array || array.Any(r => r is not JsonObject))
                throw new DataException($"metrics file '{path}' is not a JSON array of objects; move it aside (e.g. mv '{path}' '{path}.bad') to start a fresh log, or choose another --out");
            var records = array.Cast<JsonObject>().ToList();
            array.Clear(); // detach the records so they can be re-parented when written again
            return records;
        }
        catch (JsonException e)
        {
            throw new DataException($"metrics file '{path}' is damaged ({e.Message}); move it aside (e.g. mv '{path}' '{path}.bad') to start a fresh log, or choose another --out", e);
        }
    }

    private static JsonNode? ToNode(string key, object? value) => value switch
    {
        null => null,
        JsonNode n => n.DeepClone(),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        float f => double.IsFinite(f) ? JsonValue.Create((double)f) : null,
        double d => double.IsFinite(d) ? JsonValue.Create(d) : null,
        decimal m => JsonValue.Create(m),
        DateTime t => JsonValue.Create(t.ToUniversalTime().ToString("O")),
        DateTimeOffset t => JsonValue.Create(t.ToString("O")),
        TimeSpan t => JsonValue.Create(t.TotalSeconds),
        IDictionary dict => ToObject(key, dict),
        IEnumerable seq => new JsonArray(seq.Cast<object?>().Select(v => ToNode(key, v)).ToArray()),
        _ => throw new ArgumentException($"Metric '{key}' has a value of type {value.GetType().Name}, which cannot be written as JSON.", nameof(value)),
    };

    private static JsonObject ToObject(string key, IDictionary dict)
    {
        var o = new JsonObject();
        foreach (DictionaryEntry e in dict) o[e.Key.ToString() ?? ""] = ToNode(key, e.Value);
        return o;
    }
}

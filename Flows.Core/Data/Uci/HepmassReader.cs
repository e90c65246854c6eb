using System.IO.Compression;

namespace Flows.Core.Data.Uci;

/// <summary>The HEPMASS rows by class, after the MAF column rule (see <see cref="HepmassReader"/>).</summary>
/// <param name="Train">1000_train.csv's rows by label: [0] background, [1] signal.</param>
/// <param name="Test">1000_test.csv's rows by label.</param>
/// <param name="KeptFeatures">Indices of the kept features among the train file's features (label column excluded).</param>
public sealed record HepmassData(UciClassData[] Train, UciClassData[] Test, int[] KeptFeatures);

/// <summary>
/// Reads UCI's HEPMASS 1000_train.csv and 1000_test.csv (or their .csv.gz downloads, decompressed on the fly)
/// as the official hepmass.py does (docs/MODELS.md §3.3, after MAF's preprocessing): each file has a header line;
/// column 0 is the label (kept only to split the classes), the test file's last column is dropped too ("Because
/// the data set is messed up!"); then every feature whose smallest value occurs more than 5 times in the train
/// file (both classes: the official code applies the rule before splitting by class) is dropped — MAF's
/// `Counter(feature)`, its sorted keys, first count &gt; 5. Values are counted in float64, as pandas parsed
/// them, then held as float32 (the official `astype(np.float32)`). The official file gives D = 15.
/// The text is streamed; only the float32 feature rows are held in memory.
/// </summary>
public static class HepmassReader
{
    public const string TrainFile = "1000_train.csv";

    public const string TestFile = "1000_test.csv";

    /// <summary>MAF's threshold: a feature whose minimum occurs more often than this is dropped.</summary>
    public const int MaxMinimumCount = 5;

    /// <summary>Reads both files from <paramref name="folder"/> (NAME.csv, else NAME.csv.gz).</summary>
    public static HepmassData Read(string folder)
    {
        var train = ReadTable(Locate(folder, TrainFile), dropLast: false, countMinimum: true);
        var test = ReadTable(Locate(folder, TestFile), dropLast: true, countMinimum: false);
        var kept = Enumerable.Range(0, train.Features).Where(f => train.MinimumCount[f] <= MaxMinimumCount).ToArray();
        // As the official code: the test file keeps its own columns 0..F-1 that are not in the removal list.
        var testKept = Enumerable.Range(0, test.Features).Where(f => f >= train.Features || train.MinimumCount[f] <= MaxMinimumCount).ToArray();
        if (kept.Length == 0)
            throw new DataException($"{train.Path}: every feature's minimum repeats more than {MaxMinimumCount} times; this is not HEPMASS");
        if (!kept.SequenceEqual(testKept))
            throw new DataException(
                $"{test.Path}: after the column rule the test file keeps features [{string.Join(", ", testKept)}] but the train file [{string.Join(", ", kept)}]; the two files do not belong together");
        return new HepmassData(train.ByClass(kept), test.ByClass(kept), kept);
    }

    private static string Locate(string folder, string name)
    {
        var plain = Path.Combine(folder, name);
        if (File.Exists(plain)) return plain;
        if (File.Exists(plain + ".gz")) return plain + ".gz";
        throw new DataException($"{plain}(.gz) is missing; get it with `data download hepmass` or put {name}.gz there by hand");
    }

    private static Table ReadTable(string path, bool dropLast, bool countMinimum)
    {
        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            stream = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new NumericTextReader(stream, path, (byte)',');
        try
        {
            return Parse(reader, path, dropLast, countMinimum);
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path}: the gzip stream is corrupt ({e.Message}); download it again", e);
        }
    }

    private static Table Parse(NumericTextReader reader, string path, bool dropLast, bool countMinimum)
    {
        if (!reader.TryReadLine(out var header))
            throw new DataException($"{path}: the file is empty; download it again");
        int columns = header.Count((byte)',') + 1;
        var probe = new double[columns];
        bool numeric;
        try
        {
            numeric = reader.ParseFields(header, probe) == columns;
        }
        catch (DataException)
        {
            numeric = false;
        }
        if (numeric)
            throw reader.Error("the header line is missing (the first line is numbers); HEPMASS files start with '# label, f0, ...'");
        int features = columns - 1 - (dropLast ? 1 : 0);
        if (features <= 0)
            throw reader.Error($"the header has {columns} column(s); HEPMASS has a label and 28 features");
        var table = new Table(path, features, countMinimum);
        var row = new double[columns];
        while (reader.TryReadLine(out var line))
        {
            int n = reader.ParseFields(line, row);
            if (n != columns)
                throw reader.Error($"{n} values where the header has {columns} columns");
            int label = row[0] switch
            {
                0 => 0,
                1 => 1,
                _ => throw reader.Error($"the label (column 0) is {row[0]}; HEPMASS labels are 0 or 1"),
            };
            table.Add(label, row.AsSpan(1, features));
        }
        return table;
    }

    /// <summary>float32 rows of one file per class, in chunks (no huge re-allocation), and the train minima.</summary>
    private sealed class Table(string path, int features, bool countMinimum)
    {
        private const int ChunkRows = 1 << 15;
        private readonly List<float[]>[] _chunks = [[], []];
        private readonly int[] _counts = new int[2];
        private readonly double[] _minimum = Enumerable.Repeat(double.PositiveInfinity, features).ToArray();

        public string Path => path;

        public int Features => features;

        public long[] MinimumCount { get; } = new long[features];

        public void Add(int label, ReadOnlySpan<double> values)
        {
            if (countMinimum)
            {
                for (int f = 0; f < values.Length; f++)
                {
                    // Python's Counter treats -0.0 and 0.0 as one key, as == does here.
                    if (values[f] < _minimum[f])
                    {
                        _minimum[f] = values[f];
                        MinimumCount[f] = 1;
                    }
                    else if (values[f] == _minimum[f])
                    {
                        MinimumCount[f]++;
                    }
                }
            }
            int inChunk = _counts[label] % ChunkRows;
            if (inChunk == 0)
            {
                if ((long)(_counts[label] + 1) * features > Array.MaxLength)
                    throw new DataException($"{path}: more rows of class {label} than fit in memory");
                _chunks[label].Add(new float[ChunkRows * features]);
            }
            var chunk = _chunks[label][^1].AsSpan(inChunk * features, features);
            for (int f = 0; f < features; f++) chunk[f] = (float)values[f];
            _counts[label]++;
        }

        public UciClassData[] ByClass(int[] kept) => [Select(0, kept), Select(1, kept)];

        private UciClassData Select(int label, int[] kept)
        {
            var values = new double[(long)_counts[label] * kept.Length];
            for (int r = 0; r < _counts[label]; r++)
            {
                var chunk = _chunks[label][r / ChunkRows];
                int at = r % ChunkRows * features;
                for (int k = 0; k < kept.Length; k++)
                    values[(long)r * kept.Length + k] = chunk[at + kept[k]];
            }
            return new UciClassData(values, kept.Length);
        }
    }
}

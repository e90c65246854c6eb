namespace Flows.Core.Data.Uci;

/// <summary>
/// Reads UCI's MiniBooNE_PID.txt as the official miniboone.py does (docs/MODELS.md §3.3): the first line holds
/// "nsignal nbackground"; the signal events come first, then the background ones, 50 whitespace-separated
/// features each. With m = min(nsignal, nbackground), data rows 1..m are signal (label 1) and rows
/// nsignal+1..nsignal+m background (label 0), so both classes have m rows; every feature is kept (D = 50).
/// </summary>
public static class MiniBooNEReader
{
    public const string FileName = "MiniBooNE_PID.txt";

    public const int Features = 50;

    /// <summary>The two classes' rows, indexed by label: [0] background, [1] signal.</summary>
    public static UciClassData[] Read(string path)
    {
        if (!File.Exists(path))
            throw new DataException($"{path} is missing; get it with `data download miniboone` or put {FileName} there by hand");
        using var reader = new NumericTextReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), path, delimiter: null);
        Span<double> fields = stackalloc double[Features];
        if (!reader.TryReadLine(out var first))
            throw new DataException($"{path}: the file is empty; download {FileName} again");
        int n = reader.ParseFields(first, fields);
        if (n != 2 || !IsCount(fields[0]) || !IsCount(fields[1]))
            throw reader.Error($"the first line must be the header \"nsignal nbackground\" (two counts), found {n} field(s); this is not {FileName}");
        long nsignal = (long)fields[0], nbackground = (long)fields[1];
        long m = Math.Min(nsignal, nbackground);
        if ((long)m * Features > Array.MaxLength)
            throw reader.Error($"the header claims {m} events per class, more than can be held in memory");
        // Rows past nsignal+m are read only to check the file is whole; a truncated download fails here.
        var signal = new double[m * Features];
        var background = new double[m * Features];
        long row = 0;
        while (reader.TryReadLine(out var line))
        {
            n = reader.ParseFields(line, fields);
            if (n != Features)
                throw reader.Error($"{n} values where every MiniBooNE event has {Features}");
            if (row < m)
                fields.CopyTo(signal.AsSpan((int)(row * Features)));
            else if (row >= nsignal && row < nsignal + m)
                fields.CopyTo(background.AsSpan((int)((row - nsignal) * Features)));
            row++;
        }
        if (row != nsignal + nbackground)
            throw new DataException($"{path}: the header announces {nsignal} + {nbackground} events but the file has {row}; it is truncated or not {FileName}, download it again");
        return [new UciClassData(background, Features), new UciClassData(signal, Features)];
    }

    private static bool IsCount(double v) => v >= 0 && v == Math.Floor(v) && v < int.MaxValue;
}

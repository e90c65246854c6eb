using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Flows.Tests.Data.Uci;

/// <summary>Small synthetic files in the exact UCI formats, with values that identify their row.</summary>
internal static class UciFiles
{
    /// <summary>Feature f of data row r (0-based, after the header line) of the synthetic MiniBooNE file.</summary>
    public static double MiniBooNEValue(int row, int feature) => row + 0.001 * feature * feature + (feature % 3 == 0 ? 0.5 * Math.Sin(row * 1.3 + feature) : 0);

    /// <summary>MiniBooNE_PID.txt's layout: "  nsignal  nbackground", then rows of 50 values in E notation with leading spaces.</summary>
    public static void WriteMiniBooNE(string path, int nsignal, int nbackground)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"    {nsignal}    {nbackground}\n");
        for (int r = 0; r < nsignal + nbackground; r++)
        {
            for (int f = 0; f < 50; f++)
                text.Append(' ').Append(MiniBooNEValue(r, f).ToString("E6", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    public static string Csv(string header, IEnumerable<double[]> rows) =>
        header + "\n" + string.Concat(rows.Select(r => string.Join(",", r.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n"));

    public static void WriteGzip(string path, string text)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(text));
    }
}

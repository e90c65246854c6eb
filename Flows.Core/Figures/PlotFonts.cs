using SkiaSharp;

namespace Flows.Core.Figures;

/// <summary>
/// Makes sure ScottPlot has a font with glyphs. ScottPlot draws text through SkiaSharp with the system's
/// fonts, and where none is installed (slim containers, CI images) it silently renders plots without any
/// text. Call <see cref="EnsureConfigured"/> before plotting (the plot helpers here do): it picks, in order,
/// the file named by <c>FLOWS_FONT</c>, a common sans-serif TTF from the usual font folders, the system
/// default, or any TTF/OTF found; if there is none it prints one warning line and plotting goes on
/// without text.
/// </summary>
public static class PlotFonts
{
    public const string EnvironmentVariable = "FLOWS_FONT";
    public const string InstallHint = "apt-get install fonts-dejavu-core";

    // Sans fonts preferred for plots, matplotlib's DejaVu Sans first.
    private static readonly string[] PreferredFiles =
    {
        "DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf", "arial.ttf",
        "FreeSans.ttf", "Roboto-Regular.ttf", "OpenSans-Regular.ttf", "Helvetica.ttc",
    };

    private const string RegisteredName = "FlowsPlotSans";
    private static readonly object Gate = new();
    private static FontStatus? _status;

    /// <summary>What was found; stable after the first call.</summary>
    public sealed record FontStatus(bool TextAvailable, string? FontName, string? FontFile, string? Warning);

    /// <summary>The folders searched for font files on this OS.</summary>
    public static IReadOnlyList<string> SearchFolders()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var list = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            list.Add(Environment.GetFolderPath(Environment.SpecialFolder.Fonts));
        }
        else if (OperatingSystem.IsMacOS())
        {
            list.AddRange(new[] { "/System/Library/Fonts", "/Library/Fonts", Path.Combine(home, "Library/Fonts") });
        }
        else
        {
            list.AddRange(new[]
            {
                "/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/fonts-dejavu-core",
                Path.Combine(home, ".local/share/fonts"), Path.Combine(home, ".fonts"),
            });
        }
        return list.Where(d => !string.IsNullOrEmpty(d)).ToList();
    }

    /// <summary>
    /// Configures ScottPlot's default font once per process and returns what was chosen. Prints one
    /// warning line to <paramref name="warnings"/> (standard error by default) when no font exists.
    /// </summary>
    public static FontStatus EnsureConfigured(TextWriter? warnings = null)
    {
        lock (Gate)
        {
            if (_status is not null) return _status;
            _status = Configure(Environment.GetEnvironmentVariable(EnvironmentVariable), SearchFolders());
            if (_status.Warning is not null) (warnings ?? Console.Error).WriteLine(_status.Warning);
            return _status;
        }
    }

    private static FontStatus Configure(string? overrideFile, IReadOnlyList<string> folders)
    {
        EnsureSkiaLoads();
        if (!string.IsNullOrWhiteSpace(overrideFile))
        {
            if (TryRegister(overrideFile) is { } s) return s;
            return new FontStatus(false, null, null,
                $"warning: {EnvironmentVariable}='{overrideFile}' is not a readable font file; plot text will be missing. " +
                $"Fix: point {EnvironmentVariable} at a .ttf file or unset it.");
        }

        if (FindFontFile(folders, preferredOnly: true) is { } preferred && TryRegister(preferred) is { } p) return p;

        string systemDefault = ScottPlot.Fonts.Default;
        if (HasGlyphs(ScottPlot.Fonts.GetTypeface(systemDefault, false, false)))
            return new FontStatus(true, systemDefault, null, null);

        if (FindFontFile(folders, preferredOnly: false) is { } any && TryRegister(any) is { } a) return a;

        return new FontStatus(false, null, null,
            "warning: no usable font found (searched " + string.Join(", ", folders) + "); plots will be saved without any text " +
            $"(axis labels, ticks, legend). Fix: install a font, e.g. `{InstallHint}`, or set {EnvironmentVariable}=/path/to/font.ttf.");
    }

    /// <summary>
    /// A font file in <paramref name="folders"/> (searched recursively): one of the preferred sans fonts,
    /// or, unless <paramref name="preferredOnly"/>, any .ttf/.otf. Null if there is none.
    /// </summary>
    public static string? FindFontFile(IEnumerable<string> folders, bool preferredOnly)
    {
        var files = new List<string>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder)) continue;
            try
            {
                files.AddRange(Directory.EnumerateFiles(folder, "*.*", new EnumerationOptions
                {
                    RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 6,
                }));
            }
            catch (IOException)
            {
                // An unreadable folder is just one less place to look.
            }
        }
        foreach (var name in PreferredFiles)
        {
            var hit = files.FirstOrDefault(f => string.Equals(Path.GetFileName(f), name, StringComparison.OrdinalIgnoreCase));
            if (hit is not null) return hit;
        }
        if (preferredOnly) return null;
        return files
            .Where(f => f.EndsWith(".ttf", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".otf", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static FontStatus? TryRegister(string file)
    {
        if (!File.Exists(file)) return null;
        using (var probe = SKTypeface.FromFile(file))
        {
            if (!HasGlyphs(probe)) return null;
        }
        ScottPlot.Fonts.AddFontFile(RegisteredName, file, bold: false, italic: false);
        ScottPlot.Fonts.Default = RegisteredName;
        return new FontStatus(true, RegisteredName, file, null);
    }

    private static bool HasGlyphs(SKTypeface? typeface) =>
        typeface is not null && typeface.GlyphCount > 0 && typeface.ContainsGlyphs("Ag0.-");

    /// <summary>Turns a missing SkiaSharp native library into one clear message instead of a type-initializer trace.</summary>
    private static void EnsureSkiaLoads()
    {
        try
        {
            using var surface = SKSurface.Create(new SKImageInfo(1, 1));
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                "SkiaSharp's native library (libSkiaSharp) could not be loaded, so no plot can be drawn. " +
                "Fix: make sure the SkiaSharp.NativeAssets package for this platform (on Linux: SkiaSharp.NativeAssets.Linux.NoDependencies) " +
                "is published with the app.", e);
        }
    }
}

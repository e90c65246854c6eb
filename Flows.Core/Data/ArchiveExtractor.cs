using System.Formats.Tar;
using System.IO.Compression;

namespace Flows.Core.Data;

/// <summary>
/// Takes named files out of a .tar.gz (CIFAR's binary archives). Only the requested members are written, under
/// names we choose, so a crafted archive cannot write outside the data folder; each is written to a temporary
/// file and renamed.
/// </summary>
public static class ArchiveExtractor
{
    /// <summary>Extracts <paramref name="memberFolder"/>/NAME for each name into <paramref name="destinationFolder"/>/NAME.</summary>
    public static void Extract(string archivePath, string memberFolder, IReadOnlyCollection<string> names, string destinationFolder)
    {
        var wanted = names.ToDictionary(n => $"{memberFolder.Trim('/')}/{n}", n => n, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        Directory.CreateDirectory(destinationFolder);
        try
        {
            using var file = File.OpenRead(archivePath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (found.Count < wanted.Count && tar.GetNextEntry() is { } entry)
            {
                var key = entry.Name.Replace('\\', '/');
                if (key.StartsWith("./", StringComparison.Ordinal))
                    key = key[2..];
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !wanted.TryGetValue(key, out var name))
                    continue;
                WriteAtomically(entry, Path.Combine(destinationFolder, name));
                found.Add(key);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new DataException($"{archivePath} is not a readable .tar.gz ({e.Message}); delete it and download it again", e);
        }
        var absent = wanted.Keys.Where(k => !found.Contains(k)).ToArray();
        if (absent.Length > 0)
            throw new DataException($"{archivePath} lacks {string.Join(", ", absent)}; it is not the expected archive, delete it and download it again");
    }

    private static void WriteAtomically(TarEntry entry, string destination)
    {
        var temp = destination + $".{Guid.NewGuid():N}.part";
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                entry.DataStream?.CopyTo(output);
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}

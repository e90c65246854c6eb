namespace Flows.Core.Data;

/// <summary>
/// Whether a registered set's files for one split are in the data folder, checked by file names only: nothing is
/// downloaded or read. Lets a plan include optional sets (SVHN, CelebA for docs/MODELS.md §2 E10) only where they exist.
/// </summary>
public static class DatasetPresence
{
    /// <returns>Null when the split's files (or their stand-ins) are there; else one line saying what is missing and where.</returns>
    public static string? Missing(DatasetInfo info, DatasetSplit split, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(info);
        var folder = Path.Combine(dataDir, info.Folder);
        if (info.Format == DatasetFormat.CelebA)
            return CelebAReader.HasLayout(folder) ? null : $"no CelebA images in {folder} (manual download, see `data list`)";
        var missing = info.FilesFor(split)
            .Where(f => !File.Exists(Path.Combine(folder, f.Name)) && !(f.StandIn is { } s && File.Exists(Path.Combine(folder, s.Name))))
            .Select(f => f.Name)
            .ToList();
        return missing.Count == 0 ? null : $"{string.Join(", ", missing)} not in {folder} (`data download {info.Name}` fetches it)";
    }
}

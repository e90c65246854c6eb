namespace Flows.Core.Data;

/// <summary>The state of one data file on disk.</summary>
public enum FileStatus
{
    /// <summary>Present, and its size and published checksums match.</summary>
    Ok,

    /// <summary>Present with the right size; no checksum is published for it.</summary>
    PresentUnchecked,

    Missing,

    SizeMismatch,

    ChecksumMismatch,
}

/// <summary>One line of `data verify`: which file, where, and what was found.</summary>
public sealed record FileCheck(string Dataset, string File, string FullPath, FileStatus Status, string Detail)
{
    public bool IsUsable => Status is FileStatus.Ok or FileStatus.PresentUnchecked;

    public override string ToString() => $"{Dataset}/{File}: {Status} ({Detail})";
}

/// <summary>Checks the registered data sets' files in a data folder against their sizes and checksums.</summary>
public static class DatasetVerifier
{
    /// <summary>
    /// Every file of every registered data set (or of <paramref name="datasets"/>), in registry order. Without
    /// <paramref name="checksums"/> only presence and sizes are checked (fast enough for `data list`).
    /// </summary>
    public static IReadOnlyList<FileCheck> Verify(string dataDir, IEnumerable<DatasetInfo>? datasets = null, bool checksums = true)
    {
        var results = new List<FileCheck>();
        foreach (var info in datasets ?? DatasetRegistry.All)
        {
            var folder = Path.Combine(dataDir, info.Folder);
            foreach (var file in info.Files)
                results.Add(VerifyFile(info, file, folder, checksums));
            if (info.Format == DatasetFormat.CelebA)
                results.Add(VerifyCelebAImages(info, folder));
        }
        return results;
    }

    /// <summary>Checks one file; when it is absent but its stand-in is present, checks the stand-in and says so.</summary>
    public static FileCheck VerifyFile(DatasetInfo info, DatasetFile file, string folder, bool checksums = true)
    {
        var path = Path.Combine(folder, file.Name);
        if (!File.Exists(path) && file.StandIn is { } standIn && File.Exists(Path.Combine(folder, standIn.Name)))
        {
            var check = CheckPresent(info, standIn, Path.Combine(folder, standIn.Name), checksums);
            return check with { Detail = $"{check.Detail}; stand-in for absent {file.Name}: {file.StandInNote}" };
        }
        if (!File.Exists(path))
        {
            var how = info.ManualDownload is not null ? "see `data list` for where to get it"
                : $"get it with `data download {info.Name}`";
            return new FileCheck(info.Name, file.Name, path, FileStatus.Missing, $"not found; {how}");
        }
        return CheckPresent(info, file, path, checksums);
    }

    private static FileCheck CheckPresent(DatasetInfo info, DatasetFile file, string path, bool checksums)
    {
        long size = new FileInfo(path).Length;
        if (file.Size is long expected && size != expected)
            return new FileCheck(info.Name, file.Name, path, FileStatus.SizeMismatch, $"{size} bytes, expected {expected}; download it again");
        if (!Checksums.HasChecksum(file))
            return new FileCheck(info.Name, file.Name, path, FileStatus.PresentUnchecked, $"{size} bytes; no published checksum");
        if (!checksums)
            return new FileCheck(info.Name, file.Name, path, FileStatus.PresentUnchecked, $"{size} bytes; checksum not computed");
        var mismatch = Checksums.Mismatch(file, Checksums.OfFile(path));
        return mismatch is null
            ? new FileCheck(info.Name, file.Name, path, FileStatus.Ok, Checksums.Checked(file))
            : new FileCheck(info.Name, file.Name, path, FileStatus.ChecksumMismatch, $"{mismatch}; download it again");
    }

    // 202,599 JPEGs have no per-file checksums; counting them tells whether the zip was extracted whole.
    private static FileCheck VerifyCelebAImages(DatasetInfo info, string folder)
    {
        var images = Path.Combine(folder, CelebAReader.ImagesFolder);
        if (!Directory.Exists(images))
        {
            bool paperLayout = Directory.Exists(Path.Combine(folder, "train")) && Directory.Exists(Path.Combine(folder, "test"));
            return paperLayout
                ? new FileCheck(info.Name, "train/ + test/", folder, FileStatus.PresentUnchecked, "the paper's ImageFolder layout")
                : new FileCheck(info.Name, CelebAReader.ImagesFolder + "/", images, FileStatus.Missing, "not found; see `data list` for where to get it");
        }
        var nested = Path.Combine(images, CelebAReader.ImagesFolder);
        int count = Directory.EnumerateFiles(Directory.Exists(nested) ? nested : images, "*.jpg").Count();
        const int expected = 202599;
        return count == expected
            ? new FileCheck(info.Name, CelebAReader.ImagesFolder + "/", images, FileStatus.PresentUnchecked, $"{count} JPEGs")
            : new FileCheck(info.Name, CelebAReader.ImagesFolder + "/", images, FileStatus.SizeMismatch, $"{count} JPEGs, expected {expected}; extract the zip again");
    }
}

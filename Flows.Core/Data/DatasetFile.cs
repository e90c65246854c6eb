namespace Flows.Core.Data;

/// <summary>
/// One file of a registered data set, relative to the data set's folder, with its canonical source and the
/// checksums published for it. Url is null when the file comes out of the data set's archive, or must be
/// fetched by hand. A null Split means the file serves both splits.
/// </summary>
public sealed record DatasetFile(string Name, DatasetSplit? Split, long? Size, string? Md5, string? Sha256, string? Url)
{
    /// <summary>
    /// A smaller file accepted in this one's place when it is absent (CIFAR-10's test_batch.first1000.bin in the
    /// project's shared data), with a note saying what it lacks.
    /// </summary>
    public DatasetFile? StandIn { get; init; }

    public string? StandInNote { get; init; }
}

/// <summary>A compressed tar archive that a data set's files are extracted from (CIFAR's *-binary.tar.gz).</summary>
/// <param name="MemberFolder">The folder inside the archive that holds the data set's files.</param>
public sealed record DatasetArchive(string FileName, string Url, long Size, string Md5, string? Sha256, string MemberFolder);

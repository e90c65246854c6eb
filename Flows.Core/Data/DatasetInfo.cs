namespace Flows.Core.Data;

/// <summary>A registered data set: where its files go under the data folder, where they come from, its shape and sizes.</summary>
public sealed record DatasetInfo(
    string Name,
    string Title,
    IReadOnlyList<string> Aliases,
    string Folder,
    DatasetFormat Format,
    int Channels,
    int Height,
    int Width,
    int? TrainCount,
    int? TestCount,
    IReadOnlyList<DatasetFile> Files,
    string Homepage)
{
    /// <summary>The archive that files without a Url are extracted from, if any.</summary>
    public DatasetArchive? Archive { get; init; }

    /// <summary>Instructions when the data set cannot be downloaded automatically (CelebA); null otherwise.</summary>
    public string? ManualDownload { get; init; }

    public IReadOnlyList<string> ClassNames { get; init; } = Array.Empty<string>();

    /// <summary>Images or vectors. For vectors, Channels and Height are 1 and Width is the vector width D.</summary>
    public DatasetKind Kind { get; init; } = DatasetKind.Image;

    /// <summary>"1x28x28" for images, "D=50" for vectors.</summary>
    public string ShapeText => Kind == DatasetKind.Vector ? $"D={Width}" : $"{Channels}x{Height}x{Width}";

    /// <summary>Notes a user should know (a smaller stand-in, a different form than the paper's).</summary>
    public string? Note { get; init; }

    public bool HasSplit(DatasetSplit split) => (split == DatasetSplit.Train ? TrainCount : TestCount) is not null;

    public int? CountOf(DatasetSplit split) => split == DatasetSplit.Train ? TrainCount : TestCount;

    public IEnumerable<DatasetFile> FilesFor(DatasetSplit split) => Files.Where(f => f.Split is null || f.Split == split);

    public override string ToString() =>
        $"{Name}: {Title}, {ShapeText}, train {TrainCount?.ToString() ?? "-"}, test {TestCount?.ToString() ?? "-"}";
}

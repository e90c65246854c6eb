namespace Flows.Core.Data;

/// <summary>How data sets are found, downloaded and decoded. The defaults suit the command-line app.</summary>
public sealed record DataOptions
{
    /// <summary>The folder that holds the data sets (--data-dir); null means FLOWS_DATA, then the per-user cache.</summary>
    public string? DataDir { get; init; }

    /// <summary>Never download; a missing file ends in a message that says which file to put where.</summary>
    public bool Offline { get; init; }

    /// <summary>Download progress of the current file: bytes done and the total when the server says it.</summary>
    public IProgress<(long done, long? total)>? Progress { get; init; }

    /// <summary>Receives one line per notable event (download started, stand-in file used, image skipped).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Fetch every file from this base address instead of its canonical one (file name appended): a mirror, or
    /// a local server in tests.
    /// </summary>
    public Uri? MirrorBaseAddress { get; init; }

    /// <summary>Longest wait for the server's response headers, and for each read of the body after that.</summary>
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Limits that keep a crafted image from exhausting memory.</summary>
    public ImageDecodeLimits ImageLimits { get; init; } = ImageDecodeLimits.Default;

    /// <summary>
    /// For image folders of no known data set: the side of the square images (shorter side resized, then centre
    /// crop). Null keeps the images' own size, which must then be the same for all of them.
    /// </summary>
    public int? ImageSize { get; init; }

    /// <summary>For image folders of no known data set: 1 (grayscale) or 3 (RGB); null infers it from the first image.</summary>
    public int? ImageChannels { get; init; }

    /// <summary>
    /// Keep only the first N images of the set (0 = all). The downsampled-ImageNet reader stops reading batch files
    /// once it has them, so --train-limit 10000 does not read the whole 15.7 GB train split.
    /// </summary>
    public int MaxImages { get; init; }

    /// <summary>The memory a loader may fill; null: what the GC reports (GCMemoryInfo.TotalAvailableMemoryBytes). Set by tests.</summary>
    internal long? AvailableMemoryBytes { get; init; }

    internal void Info(string line) => Log?.Invoke(line);
}

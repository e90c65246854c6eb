namespace Flows.Core.Data.Uci;

/// <summary>The UCI tables of docs/MODELS.md §2 E11.</summary>
public enum UciDataset
{
    MiniBooNE,
    Hepmass,
}

/// <summary>
/// The three splits of one E11 task, all standardised with class k's training statistics.
/// Labels are the rows' classes (k for Train and Test, 1 − k for Ood).
/// </summary>
/// <param name="Train">Class k's training rows (the flow is fitted on these).</param>
/// <param name="Test">Class k's test rows: in-distribution.</param>
/// <param name="Ood">Class 1 − k's test rows: out-of-distribution.</param>
/// <param name="Mean">Class k's training mean per feature.</param>
/// <param name="Std">Class k's training standard deviation per feature (population, ddof = 0).</param>
public sealed record UciSplits(VectorDataset Train, VectorDataset Test, VectorDataset Ood, double[] Mean, double[] Std);

/// <summary>
/// An E11 task, named as the official train_unsup_ood_uci.py names them: miniboone0, miniboone1, hepmass0,
/// hepmass1 = train on class k of the data set, test class k against class 1 − k (docs/MODELS.md §2 E11, §3.3).
/// Class 1 is MiniBooNE's signal and HEPMASS's label 1. MiniBooNE is split 90/10 per class by
/// <see cref="UciSplit"/>; HEPMASS uses its files' own train/test split.
/// </summary>
public sealed record UciTask(UciDataset Dataset, int ClassIndex)
{
    /// <summary>Every task name, in the official order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["miniboone0", "miniboone1", "hepmass0", "hepmass1"];

    /// <summary>The default split seed: sklearn's random_state = 0 in the official code.</summary>
    public const int DefaultSeed = 0;

    /// <summary>"miniboone0" ... "hepmass1".</summary>
    public string Name => $"{RegistryName}{ClassIndex}";

    /// <summary>The data set's name in <see cref="DatasetRegistry"/> ("miniboone" or "hepmass").</summary>
    public string RegistryName => Dataset == UciDataset.MiniBooNE ? "miniboone" : "hepmass";

    /// <summary>Parses a task name (case-insensitive); null if it is not one.</summary>
    public static UciTask? TryParse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        int index = Names.ToList().IndexOf(key);
        return index < 0 ? null : new UciTask(index < 2 ? UciDataset.MiniBooNE : UciDataset.Hepmass, index % 2);
    }

    /// <summary>As <see cref="TryParse"/>; an unknown name is a DataException listing the known ones.</summary>
    public static UciTask Parse(string name) =>
        TryParse(name) ?? throw new DataException($"unknown UCI task '{name}'; known: {string.Join(", ", Names)}");

    /// <summary>Loads from the data folder: its registered sub-folder (miniboone/ or hepmass/) holds the files.</summary>
    public UciSplits LoadFromDataDirectory(string dataDir, int seed = DefaultSeed) =>
        Load(Path.Combine(dataDir, DatasetRegistry.Get(RegistryName).Folder), seed);

    /// <summary>
    /// Downloads the data set's missing files into the data folder first (unless <see cref="DataOptions.Offline"/>),
    /// then loads it as <see cref="LoadFromDataDirectory"/> does.
    /// </summary>
    public async Task<UciSplits> LoadAsync(DataOptions options, int seed = DefaultSeed, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var info = DatasetRegistry.Get(RegistryName);
        var folder = Path.Combine(DataDirectory.Resolve(options.DataDir), info.Folder);
        // HEPMASS is registered as its .csv.gz downloads, but unpacked .csv files are read as well and need no download.
        if (!HasFiles(folder))
            folder = await DatasetLoader.EnsureWithHintAsync(info, null, options, cancel).ConfigureAwait(false);
        return Load(folder, seed);
    }

    private bool HasFiles(string folder) => Dataset == UciDataset.MiniBooNE
        ? File.Exists(Path.Combine(folder, MiniBooNEReader.FileName))
        : new[] { HepmassReader.TrainFile, HepmassReader.TestFile }.All(f => File.Exists(Path.Combine(folder, f)) || File.Exists(Path.Combine(folder, f + ".gz")));

    /// <summary>
    /// Loads from <paramref name="folder"/>, the folder holding MiniBooNE_PID.txt or 1000_train.csv(.gz) and
    /// 1000_test.csv(.gz). <paramref name="seed"/> only affects MiniBooNE's split.
    /// </summary>
    public UciSplits Load(string folder, int seed = DefaultSeed)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        UciClassData train, test, ood;
        if (Dataset == UciDataset.MiniBooNE)
        {
            var classes = MiniBooNEReader.Read(Path.Combine(folder, MiniBooNEReader.FileName));
            var (trainRows, testRows) = UciSplit.TrainTest(classes[ClassIndex].Count, seed);
            var (_, oodRows) = UciSplit.TrainTest(classes[1 - ClassIndex].Count, seed);
            train = classes[ClassIndex].Select(trainRows);
            test = classes[ClassIndex].Select(testRows);
            ood = classes[1 - ClassIndex].Select(oodRows);
        }
        else
        {
            var data = HepmassReader.Read(folder);
            (train, test, ood) = (data.Train[ClassIndex], data.Test[ClassIndex], data.Test[1 - ClassIndex]);
        }
        var scaler = UciStandardizer.Fit(train, $"{Name}/train");
        return new UciSplits(
            scaler.Apply(train, $"{Name}/train", ClassIndex),
            scaler.Apply(test, $"{Name}/test", ClassIndex),
            scaler.Apply(ood, $"{Name}/ood", 1 - ClassIndex),
            scaler.Mean, scaler.Std);
    }

    public override string ToString() => Name;
}

namespace Flows.Training.Experiments;

/// <summary>
/// The data sets a comparison runs on: every model trains on <see cref="InDistribution"/> and is scored against
/// each of <see cref="OodSets"/> (the paper's pair is FashionMNIST against MNIST and notMNIST).
/// </summary>
public sealed record ExperimentPair(string InDistribution, IReadOnlyList<string> OodSets)
{
    public static ExperimentPair Default { get; } = new("fashionmnist", ["mnist", "notmnist"]);

    /// <summary>
    /// The images the coupling and latent figures show: the paper's FashionMNIST 4 and MNIST 10 (docs/MODELS.md §7.2)
    /// for its pair; otherwise image 4 of the in-distribution set and image 10 of the first OOD set.
    /// </summary>
    public IReadOnlyList<(string Set, int Index)> FigureImages => [(InDistribution, 4), (OodSets[0], 10)];

    /// <summary>Names are trimmed and lower-cased; an empty name, no OOD set, or the in-set among the OOD sets is refused.</summary>
    /// <exception cref="ArgumentException">The pair is not usable; the message names the flag and the fix.</exception>
    public static ExperimentPair Create(string inDistribution, IReadOnlyList<string> oodSets)
    {
        string inName = inDistribution.Trim().ToLowerInvariant();
        if (inName.Length == 0) throw new ArgumentException("--in needs a data set name, e.g. --in fashionmnist");
        var ood = oodSets.Select(o => o.Trim().ToLowerInvariant()).Where(o => o.Length > 0).Distinct().ToList();
        if (ood.Count == 0) throw new ArgumentException("--ood needs at least one data set, e.g. --ood mnist,notmnist");
        if (ood.Contains(inName))
            throw new ArgumentException($"--ood lists the in-distribution set '{inName}'; an OOD set must differ from --in");
        return new ExperimentPair(inName, ood);
    }
}

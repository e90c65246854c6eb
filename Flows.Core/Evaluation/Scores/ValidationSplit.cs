using Flows.Core.Data;

namespace Flows.Core.Evaluation;

/// <summary>
/// Where the in-distribution validation split came from: the last <see cref="Count"/> samples of <see cref="Source"/>
/// (the in-distribution training set), starting at <see cref="Start"/>. It is disjoint from what the model trained on
/// only when training used the first <c>--train-limit</c> samples and they end before <see cref="Start"/>
/// (<see cref="DisjointFromTraining"/>); otherwise the model has seen these samples and the entropy estimate and
/// thresholds are optimistic (docs/METRICS.md, "Validation split").
/// </summary>
public sealed record ValidationSplit(string Source, int Start, int Count, bool DisjointFromTraining)
{
    /// <summary>The name the split's data carries: the source's name with "/val" in place of a "/train" suffix.</summary>
    public string Name => (Source.EndsWith("/train", StringComparison.Ordinal) ? Source[..^"/train".Length] : Source) + "/val";

    /// <summary>
    /// Carves the last <paramref name="count"/> samples of <paramref name="train"/>; <paramref name="trainLimit"/> is the
    /// training run's <c>--train-limit</c> (0 = it used every sample) and <paramref name="modelTrainedOnIt"/> says whether
    /// the model was trained on this set at all (false: every sample is unseen).
    /// </summary>
    /// <exception cref="ArgumentException">count is not positive or exceeds the training set.</exception>
    public static (FlowData Data, ValidationSplit Split) Carve(FlowData train, int count, int trainLimit, bool modelTrainedOnIt = true)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (count < 1 || count > train.Count)
            throw new ArgumentException($"the validation split needs 1 to {train.Count} samples of {train.Name}, got {count}");
        int start = train.Count - count;
        var split = new ValidationSplit(train.Name, start, count, !modelTrainedOnIt || (trainLimit > 0 && trainLimit <= start));
        FlowData data = train.Images is { } images
            ? Renamed(images.Take(start, count), split.Name)
            : Renamed(train.Vectors!.Take(start, count), split.Name);
        return (data, split);
    }

    private static ImageDataset Renamed(ImageDataset d, string name) => d.Renamed(name);

    private static VectorDataset Renamed(VectorDataset d, string name) => new(name, d.Values, d.Labels, d.Dim);
}

using Flows.Core.Data.Uci;

namespace Flows.Core.Data;

/// <summary>
/// The UCI tasks of docs/MODELS.md §2 E11 as flow data: "miniboone0" trains on class 0's training rows and tests on
/// class 0's test rows; scored against a model trained on class k, "miniboone1" is class 1's test rows
/// standardised with class k's training statistics (spec §3.3, §6: class k vs class 1 − k).
/// </summary>
public static class UciTasks
{
    // One task's splits at a time: train and test of a run read the (large) files once.
    private static (string Key, UciSplits Splits)? s_last;
    private static readonly Lock s_lock = new();

    public static bool IsTask(string spec) => UciTask.TryParse(spec) is not null;

    /// <summary>The split of a task, or null when <paramref name="spec"/> names none.</summary>
    public static FlowData? TryLoad(string spec, DatasetSplit split, DataOptions options, string? trainedOn)
    {
        if (UciTask.TryParse(spec) is not { } task) return null;
        var model = trainedOn is not null && UciTask.TryParse(trainedOn) is { } t ? t : task;
        if (model.Dataset != task.Dataset)
            throw new DataException($"{task.Name} is a {task.RegistryName} task but the model was trained on {model.Name}; score it against {model.RegistryName}0 or {model.RegistryName}1");
        var splits = Splits(model, options);
        if (model == task) return split == DatasetSplit.Train ? splits.Train : splits.Test;
        if (split == DatasetSplit.Train)
            throw new DataException($"{task.Name} is the OOD class of a model trained on {model.Name}: it has only a test split here");
        return splits.Ood;
    }

    private static UciSplits Splits(UciTask task, DataOptions options)
    {
        string key = $"{task.Name}|{DataDirectory.Resolve(options.DataDir)}";
        lock (s_lock)
        {
            if (s_last is { } last && last.Key == key) return last.Splits;
            var splits = task.LoadAsync(options).GetAwaiter().GetResult();
            s_last = (key, splits);
            return splits;
        }
    }
}

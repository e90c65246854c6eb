namespace Flows.Core.Data;

/// <summary>The UCI tasks of paper-spec E11 by name, as flow data.</summary>
public static class UciTasks
{
    public static bool IsTask(string spec) => false;

    public static FlowData? TryLoad(string spec, DatasetSplit split, DataOptions options, string? trainedOn) => null;
}

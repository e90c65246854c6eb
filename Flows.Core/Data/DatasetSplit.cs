namespace Flows.Core.Data;

/// <summary>The official split of a data set. The paper uses the official test split (no validation split).</summary>
public enum DatasetSplit
{
    Train,
    Test,
}

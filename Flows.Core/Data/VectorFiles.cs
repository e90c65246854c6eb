namespace Flows.Core.Data;

/// <summary>Vector data sets stored as numpy files: which paths they are, and reading one as a <see cref="VectorDataset"/>.</summary>
public static class VectorFiles
{
    public static bool IsVectorFile(string path) =>
        path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);

    public static VectorDataset Load(string name, string path)
    {
        if (!File.Exists(path))
            throw new DataException($"no vector file at {Path.GetFullPath(path)}; write it with 'flows features' or check the path");
        throw new DataException("PENDING numpy reader merge");
    }
}

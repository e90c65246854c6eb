namespace Flows.Core.Data.Uci;

/// <summary>
/// Per-feature standardisation with one class's training statistics (docs/MODELS.md §2 E11, `transform_idx = k`):
/// mean and population standard deviation (numpy's .std(), ddof = 0) of class k's train split, applied to
/// class k's train and test splits and to the other class's test split (the OOD set). Statistics and
/// (x − mean) / std are computed in float64 and rounded to float32 once; the official HEPMASS path does this
/// arithmetic in float32, which differs in the last bits only.
/// </summary>
public sealed class UciStandardizer
{
    private UciStandardizer(double[] mean, double[] std)
    {
        Mean = mean;
        Std = std;
    }

    public double[] Mean { get; }

    public double[] Std { get; }

    /// <summary>The statistics of <paramref name="train"/>; a constant feature (std 0) is a DataException.</summary>
    public static UciStandardizer Fit(UciClassData train, string name)
    {
        if (train.Count == 0)
            throw new DataException($"{name}: the training split is empty");
        int d = train.Dim;
        var mean = new double[d];
        var std = new double[d];
        for (int r = 0; r < train.Count; r++)
        {
            var row = train.Row(r);
            for (int f = 0; f < d; f++) mean[f] += row[f];
        }
        for (int f = 0; f < d; f++) mean[f] /= train.Count;
        // Two passes (mean, then squared deviations) avoid the cancellation of E[x²] − E[x]².
        for (int r = 0; r < train.Count; r++)
        {
            var row = train.Row(r);
            for (int f = 0; f < d; f++)
            {
                double dev = row[f] - mean[f];
                std[f] += dev * dev;
            }
        }
        for (int f = 0; f < d; f++)
        {
            std[f] = Math.Sqrt(std[f] / train.Count);
            if (!(std[f] > 0))
                throw new DataException($"{name}: feature {f} is constant in the training split (std 0), so it cannot be standardised");
        }
        return new UciStandardizer(mean, std);
    }

    /// <summary>(x − mean) / std per feature, as float32 rows with every label set to <paramref name="label"/>.</summary>
    public VectorDataset Apply(UciClassData data, string name, int label)
    {
        if (data.Dim != Mean.Length)
            throw new DataException($"{name}: rows of {data.Dim} features, but the statistics are for {Mean.Length}");
        var values = new float[data.Values.Length];
        int d = data.Dim;
        for (int i = 0; i < values.Length; i++)
        {
            int f = i % d;
            values[i] = (float)((data.Values[i] - Mean[f]) / Std[f]);
        }
        return new VectorDataset(name, values, Enumerable.Repeat(label, data.Count).ToArray(), d);
    }
}

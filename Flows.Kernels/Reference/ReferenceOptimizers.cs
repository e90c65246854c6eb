namespace Flows.Kernels.Reference;

/// <summary>
/// Adam (Kingma and Ba, with PyTorch's placement of ε outside the bias-corrected root and coupled L2 decay)
/// and RMSprop (PyTorch, not centered, no momentum), one parameter at a time in double.
/// </summary>
internal static class ReferenceOptimizers
{
    public static (double P, double M, double V) Adam(double p, double g, double m, double v, AdamSettings s)
    {
        g += s.WeightDecay * p;
        m = s.Beta1 * m + (1 - s.Beta1) * g;
        v = s.Beta2 * v + (1 - s.Beta2) * g * g;
        double mHat = m / (1 - Math.Pow(s.Beta1, s.Step));
        double vHat = v / (1 - Math.Pow(s.Beta2, s.Step));
        p -= s.LearningRate * mHat / (Math.Sqrt(vHat) + s.Epsilon);
        return (p, m, v);
    }

    public static (double P, double V) RmsProp(double p, double g, double v, RmsPropSettings s)
    {
        g += s.WeightDecay * p;
        v = s.Alpha * v + (1 - s.Alpha) * g * g;
        p -= s.LearningRate * g / (Math.Sqrt(v) + s.Epsilon);
        return (p, v);
    }
}

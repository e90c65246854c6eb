using Flows.Core.Evaluation;

namespace Flows.Tests.Evaluation;

/// <summary>
/// Reference values from scikit-learn: its documented docstring example, and values computed once with
/// scikit-learn 1.2.1 (Debian bookworm's python3-sklearn) by the script below and pasted here, so the tests need
/// no Python. In-distribution is label 1 (positive); AUPR-Out is average precision with labels and score flipped;
/// FPR95 is read off the full ROC curve at the first point (largest threshold) with TPR ≥ 0.95.
/// <code>
/// import math, numpy as np
/// from sklearn.metrics import roc_auc_score, average_precision_score, roc_curve
/// def fpr_at(ins, ood, target=0.95):
///     y = np.r_[np.ones(len(ins)), np.zeros(len(ood))]; s = np.r_[ins, ood]
///     fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
///     k = np.argmax(tpr >= target)          # first ROC point (largest threshold) with TPR >= target
///     return fpr[k], thr[k]
/// def report(name, ins, ood):
///     ins = np.asarray(ins, float); ood = np.asarray(ood, float)
///     y = np.r_[np.ones(len(ins)), np.zeros(len(ood))]; s = np.r_[ins, ood]
///     f, t = fpr_at(ins, ood)
///     print(name, roc_auc_score(y, s), average_precision_score(y, s), average_precision_score(1 - y, -s), f, t)
/// report("docstring", [0.35, 0.8], [0.1, 0.4])
/// report("ties", [3, 3, 2, 5, 1, 2], [2, 1, 1, 3, 0])
/// ins = [round(math.sin(i * 1.7) * 3 + 1, 1) for i in range(40)]
/// ood = [round(math.cos(i * 2.3) * 3, 1) for i in range(30)]
/// report("wave", ins, ood)
/// </code>
/// Output:
/// <code>
/// docstring 0.75 0.8333333333333333 0.8333333333333333 0.5 0.35
/// ties 0.7666666666666666 0.7547619047619047 0.7142857142857142 0.8 1.0
/// wave 0.6466666666666667 0.7403362101078655 0.6468723872210771 0.7 -1.9
/// </code>
/// </summary>
public class SklearnReferenceTests
{
    private const ScoreDirection In = ScoreDirection.HigherIsInDistribution;
    private const double Tol = 1e-14;

    // The sin/cos "wave" inputs, as Python printed them (one decimal, so many ties).
    private static readonly double[] WaveIn =
    [
        1.0, 4.0, 0.2, -1.8, 2.5, 3.4, -1.1, -0.9, 3.6, 2.2, -1.9, 0.6, 4.0, 0.7, -1.9, 2.1, 3.6, -0.8, -1.2, 3.3,
        2.6, -1.7, 0.1, 4.0, 1.1, -2.0, 1.6, 3.8, -0.4, -1.5, 3.0, 2.9, -1.5, -0.3, 3.8, 1.6, -2.0, 1.2, 3.9, 0.0,
    ];
    private static readonly double[] WaveOod =
    [
        3.0, -2.0, -0.3, 2.4, -2.9, 1.4, 1.0, -2.8, 2.7, -0.8, -1.6, 3.0, -2.3, 0.2, 2.1, -3.0, 1.9, 0.5, -2.5, 2.9,
        -1.3, -1.2, 2.8, -2.6, 0.7, 1.7, -3.0, 2.2, 0.0, -2.2,
    ];

    [Test]
    public void DocstringExample()
    {
        // sklearn.metrics.average_precision_score docstring (and the roc_auc_score user guide):
        // y_true = [0, 0, 1, 1], y_scores = [0.1, 0.4, 0.35, 0.8] → average_precision_score = 0.83…, roc_auc_score = 0.75.
        // Label 1 is in-distribution: in = [0.35, 0.8], ood = [0.1, 0.4].
        double[] inD = [0.35, 0.8], ood = [0.1, 0.4];
        Assert.That(DetectionMetrics.Auroc(inD, ood, In), Is.EqualTo(0.75));
        Assert.That(DetectionMetrics.AuprIn(inD, ood, In), Is.EqualTo(0.8333333333333333).Within(Tol));
        Assert.That(DetectionMetrics.AuprOut(inD, ood, In), Is.EqualTo(0.8333333333333333).Within(Tol));
        Assert.That(DetectionMetrics.Fpr95(inD, ood, In), Is.EqualTo(0.5));
        Assert.That(CalibratedThreshold.Calibrate(inD, In).Threshold, Is.EqualTo(0.35));
    }

    [Test]
    public void TiedIntegers()
    {
        double[] inD = [3, 3, 2, 5, 1, 2], ood = [2, 1, 1, 3, 0];
        Assert.That(DetectionMetrics.Auroc(inD, ood, In), Is.EqualTo(0.7666666666666666).Within(Tol));
        Assert.That(DetectionMetrics.AuprIn(inD, ood, In), Is.EqualTo(0.7547619047619047).Within(Tol));
        Assert.That(DetectionMetrics.AuprOut(inD, ood, In), Is.EqualTo(0.7142857142857142).Within(Tol));
        Assert.That(DetectionMetrics.Fpr95(inD, ood, In), Is.EqualTo(0.8));
        Assert.That(CalibratedThreshold.Calibrate(inD, In).Threshold, Is.EqualTo(1.0));
    }

    [Test]
    public void Wave()
    {
        Assert.That(DetectionMetrics.Auroc(WaveIn, WaveOod, In), Is.EqualTo(0.6466666666666667).Within(Tol));
        Assert.That(DetectionMetrics.AuprIn(WaveIn, WaveOod, In), Is.EqualTo(0.7403362101078655).Within(Tol));
        Assert.That(DetectionMetrics.AuprOut(WaveIn, WaveOod, In), Is.EqualTo(0.6468723872210771).Within(Tol));
        Assert.That(DetectionMetrics.Fpr95(WaveIn, WaveOod, In), Is.EqualTo(0.7));
        Assert.That(CalibratedThreshold.Calibrate(WaveIn, In).Threshold, Is.EqualTo(-1.9));
    }

    [Test]
    public void WaveAsAHigherIsOodScoreGivesTheSameReferenceValues()
    {
        // The negated score read as HigherIsOod is the same detector: every value, and the threshold negated.
        var negIn = WaveIn.Select(x => -x).ToArray();
        var negOod = WaveOod.Select(x => -x).ToArray();
        const ScoreDirection Ood = ScoreDirection.HigherIsOod;
        Assert.That(DetectionMetrics.Auroc(negIn, negOod, Ood), Is.EqualTo(0.6466666666666667).Within(Tol));
        Assert.That(DetectionMetrics.AuprIn(negIn, negOod, Ood), Is.EqualTo(0.7403362101078655).Within(Tol));
        Assert.That(DetectionMetrics.AuprOut(negIn, negOod, Ood), Is.EqualTo(0.6468723872210771).Within(Tol));
        Assert.That(DetectionMetrics.Fpr95(negIn, negOod, Ood), Is.EqualTo(0.7));
        Assert.That(CalibratedThreshold.Calibrate(negIn, Ood).Threshold, Is.EqualTo(1.9));
    }
}

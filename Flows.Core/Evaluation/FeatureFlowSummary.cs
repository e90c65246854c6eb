namespace Flows.Core.Evaluation;

/// <summary>
/// The feature flow beside a pixel flow (docs/MODELS.md §2 E10): a tabular RealNVP trained on embeddings of the same
/// in-distribution set, scored on the embeddings of the same OOD sets. Attached to the pixel flow's report so
/// that one report shows both AUROCs for every pair.
/// </summary>
public sealed record FeatureFlowSummary
{
    /// <summary>The extractor, e.g. "resnet18 (ImageNet, ONNX) at 64x64, global average pool".</summary>
    public required string Extractor { get; init; }

    /// <summary>The feature flow's own report.json (relative to the pixel report's folder when possible).</summary>
    public required string Report { get; init; }

    /// <summary>Vectors the feature flow was trained on, and its optimizer steps.</summary>
    public int TrainVectors { get; init; }
    public int Steps { get; init; }

    /// <summary>AUROC of the feature flow per OOD set (same set names as the pixel report's).</summary>
    public required IReadOnlyDictionary<string, double> Auroc { get; init; }

    /// <summary>Mean NLL per set in nats per vector.</summary>
    public IReadOnlyDictionary<string, double> Nll { get; init; } = new Dictionary<string, double>();

    /// <summary>Seconds spent embedding (0 when every set came from the cache) and training + scoring.</summary>
    public double EmbedSeconds { get; init; }
    public double FlowSeconds { get; init; }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Flows.Core.Data;
using Flows.Core.Features;
using Flows.Core.Flows;

namespace Flows.Core.Evaluation;

/// <summary>
/// A feature flow (a tabular flow trained on ResNet-18 embeddings, docs/MODELS.md §2 E10, docs/FEATURES.md) together with
/// the extractor that makes its inputs. <see cref="LogLikelihoods"/> embeds a set of images (through the
/// <see cref="FeatureCache"/>) and scores the embeddings with the flow.
/// </summary>
public sealed class FeatureFlowScorer
{
    /// <summary>Pairs a loaded feature flow with an opened embedder; the flow must take the extractor's vectors.</summary>
    /// <exception cref="ArgumentException">The flow is not a vector flow of <see cref="ResNetFeatureExtractor.FeatureDim"/> dimensions.</exception>
    public FeatureFlowScorer(FlowModel featureFlow, FeatureEmbedder embedder)
    {
        CheckDimension(featureFlow);
        Flow = featureFlow;
        Embedder = embedder ?? throw new ArgumentNullException(nameof(embedder));
    }

    /// <summary>The tabular flow over embeddings.</summary>
    public FlowModel Flow { get; }

    /// <summary>The extractor and its cache.</summary>
    public FeatureEmbedder Embedder { get; }

    /// <summary>Throws unless <paramref name="featureFlow"/> is a vector flow of the extractor's dimension.</summary>
    public static void CheckDimension(FlowModel featureFlow)
    {
        ArgumentNullException.ThrowIfNull(featureFlow);
        if (featureFlow.DiscreteData || featureFlow.DataShape.Length != 1 || featureFlow.Dimension != ResNetFeatureExtractor.FeatureDim)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"the feature flow '{featureFlow.Config.Name}' takes {(featureFlow.DiscreteData ? "images" : "vectors")} of {string.Join("x", featureFlow.DataShape)}, " +
                $"but the ResNet-18 extractor gives vectors of {ResNetFeatureExtractor.FeatureDim}; pass a flow trained on 'flows features' embeddings"));
    }

    /// <summary>
    /// The extractor input size recorded with the feature flow's training embeddings: the <c>size N</c> of the
    /// cache key beside the training .npz its dataset spec (NAME=DIR/NAME_features_{split}.npz) names, or null
    /// when there is no such key file.
    /// </summary>
    public static int? RecordedInputSize(string datasetSpec)
    {
        ArgumentNullException.ThrowIfNull(datasetSpec);
        int eq = datasetSpec.IndexOf('=');
        string path = (eq >= 0 ? datasetSpec[(eq + 1)..] : datasetSpec).Replace(FlowDataLoader.SplitToken, "train", StringComparison.Ordinal);
        string keyPath = FeatureCache.KeyPath(path);
        if (!File.Exists(keyPath)) return null;
        var m = Regex.Match(File.ReadAllText(keyPath), @"\bsize (\d+)\b", RegexOptions.CultureInvariant);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The feature flow's log-likelihood (nats per vector) of the embeddings of the first count images of <paramref name="data"/>.</summary>
    public double[] LogLikelihoods(ScoringContext context, FlowData data)
    {
        ArgumentNullException.ThrowIfNull(context);
        var images = data.Images ?? throw new InvalidOperationException($"the 'features' score embeds images; {data.Name} holds vectors");
        int count = context.CountOf(data);
        var embedded = Embedder.Embed(images.Subset(count), data.Name, DatasetSplit.Test,
            (done, total) => context.Progress?.Invoke(data.Name + " (embed)", done, total));
        return context.Score(Flow, embedded.Data, data.Name + " (feature flow)");
    }
}

using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Training;
using SixLabors.ImageSharp;

namespace Flows.Core.Api;

/// <summary>
/// Out-of-distribution scores for .NET applications: loads a trained flow (and optionally a likelihood-ratio background
/// model and a feature flow), scores images with every configured <see cref="IOodScore"/> exactly as `flows ood` does,
/// and, once calibrated on in-distribution validation images, gives each score's p-value and decision.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Every public member may be called from any number of threads at once. The engine's models
/// are not re-entrant (a forward pass mutates layer state and the dequantization counter), so all forward passes of one
/// detector are serialised by one lock; decoding and converting images runs outside it, in the caller's thread.
/// Concurrent callers therefore get the same results as sequential ones; for throughput, score batches, or use one
/// detector per device.</para>
/// <para><b>Dequantization.</b> A flow on 8-bit images scores the image plus uniform noise, drawn from a fixed seed in
/// order over the images of one call, as `flows ood` draws it over a data set: the same call always gives the same
/// numbers, and a batch gives the CLI's numbers for the same images in the same order. An image's scores depend on its
/// position in the call by that noise only (a small amount next to the differences between data sets).</para>
/// <para><b>Decision.</b> <see cref="OodResult.IsOod"/> is the calibrated decision of the primary score
/// (<see cref="OodDetectorOptions.PrimaryScore"/>, default the first score): OOD when its threshold, chosen to keep
/// the target TPR of the validation images, rejects the score.</para>
/// </remarks>
public sealed class OodDetector : IDisposable
{
    private readonly object _gate = new();
    private readonly DetectorModels _models;
    private readonly IReadOnlyList<IOodScore> _scores;
    private readonly ModelInput _input;
    private readonly int _batchSize;
    private volatile OodCalibration? _calibration;
    private bool _disposed;

    private OodDetector(string checkpointPath, DetectorModels models, IReadOnlyList<IOodScore> scores, string primary,
                        ulong noiseSeed, OodDetectorOptions options)
    {
        CheckpointPath = checkpointPath;
        _models = models;
        _scores = scores;
        PrimaryScore = primary;
        NoiseSeed = noiseSeed;
        _batchSize = options.BatchSize;
        var shape = models.Model.DataShape;
        _input = new ModelInput(shape[0], shape[1], shape[2], options.ResizeImages, new SafeImageDecoder(options.DecodeLimits));
    }

    /// <summary>The checkpoint file, as given.</summary>
    public string CheckpointPath { get; }

    /// <summary>SHA-256 of the checkpoint file (lower-case hex), which a calibration must carry.</summary>
    public string CheckpointSha256 => _models.CheckpointSha256;

    /// <summary>The model's architecture name (e.g. "realnvp").</summary>
    public string ModelName => _models.Model.Config.Name;

    /// <summary>The data set the model was trained on, from the checkpoint.</summary>
    public string TrainedOn => _models.Checkpoint.Config.Dataset;

    /// <summary>What the model takes, e.g. "1x28x28 images (grayscale, 28×28)".</summary>
    public string InputDescription => _input.Describe();

    /// <summary>The model's input shape [C, H, W].</summary>
    public IReadOnlyList<int> InputShape => [_input.Channels, _input.Height, _input.Width];

    /// <summary>The device the models run on ("cpu", "cuda", "ilgpu-cpu").</summary>
    public string Device => _models.Backend.Name;

    /// <summary>The names of the scores every result holds, in order.</summary>
    public IReadOnlyList<string> ScoreNames => _scores.Select(s => s.Name).ToArray();

    /// <summary>The score <see cref="OodResult.IsOod"/> is taken from.</summary>
    public string PrimaryScore { get; }

    /// <summary>The dequantization seed.</summary>
    public ulong NoiseSeed { get; }

    /// <summary>The current calibration, or null before <see cref="Calibrate(ImageDataset, double)"/> or <see cref="LoadCalibration"/>.</summary>
    public OodCalibration? Calibration => _calibration;

    /// <summary>Loads a checkpoint written by `flows train` (and what <paramref name="options"/> names).</summary>
    /// <exception cref="OodDetectorException">A checkpoint or calibration is missing, damaged or does not fit; an unknown score or device.</exception>
    public static OodDetector Load(string checkpointPath, OodDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        options ??= new OodDetectorOptions();
        if (options.BatchSize < 1)
            throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture, $"OodDetectorOptions.BatchSize must be at least 1, got {options.BatchSize}"));
        var names = options.Scores ?? DefaultScores(options);
        if (names.Count == 0) throw new OodDetectorException("OodDetectorOptions.Scores is empty; name at least one score, e.g. \"ll\"");
        var scores = names.Select(CreateScore).ToList();
        if (scores.Select(s => s.Name).Distinct().Count() != scores.Count)
            throw new OodDetectorException($"OodDetectorOptions.Scores lists a score twice ({string.Join(", ", names)}); give each once");
        if (scores.Any(s => s.Needs.HasFlag(ScoreNeeds.Background)) && options.BackgroundCheckpoint is null)
            throw new OodDetectorException("the 'lr' score needs OodDetectorOptions.BackgroundCheckpoint: a checkpoint of the same architecture trained on perturbed inputs ('flows train --perturb MU')");
        if (scores.Any(s => s.Needs.HasFlag(ScoreNeeds.FeatureFlow)) && options.FeatureCheckpoint is null)
            throw new OodDetectorException("the 'features' score needs OodDetectorOptions.FeatureCheckpoint: a tabular flow trained on 'flows features' embeddings");
        string primary = options.PrimaryScore ?? scores[0].Name;
        if (scores.All(s => s.Name != primary))
            throw new OodDetectorException($"OodDetectorOptions.PrimaryScore '{primary}' is not among the scores ({string.Join(", ", scores.Select(s => s.Name))})");

        var models = DetectorModels.Load(checkpointPath, options);
        try
        {
            ulong seed = options.NoiseSeed ?? (ulong)models.Checkpoint.Config.Seed + Trainer.EvaluationNoiseSeed;
            var detector = new OodDetector(checkpointPath, models, scores, primary, seed, options);
            if (options.CalibrationPath is { } calibration) detector.LoadCalibration(calibration);
            return detector;
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Scores the in-distribution validation images and fits, per score, the threshold that keeps
    /// <paramref name="targetTpr"/> of them (<see cref="CalibratedThreshold.Calibrate"/>) and the empirical
    /// distribution p-values are read from; Ĥ for typicality is their mean −ll. Use images the model did not train on.
    /// Replaces any earlier calibration; callers scoring meanwhile see the old one or the new one, never a mix.
    /// </summary>
    /// <exception cref="OodDetectorException">No images, an image that does not fit the model, or a target TPR outside (0, 1].</exception>
    public OodCalibration Calibrate(ImageDataset validation, double targetTpr = CalibratedThreshold.DefaultTargetTpr)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (!(targetTpr > 0 && targetTpr <= 1))
            throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture, $"the target TPR must be in (0, 1], got {targetTpr}"));
        if (validation.Count == 0)
            throw new OodDetectorException("the calibration set is empty; give in-distribution validation images (a few hundred or more)");
        _input.Check(validation);
        FlowData data = validation;
        double[][] raw;
        double entropy;
        lock (_gate)
        {
            ThrowIfDisposed();
            // The validation set is its own validation split: Ĥ comes from the same (cached) log-likelihoods ll reports.
            var context = NewContext(validation: data, entropy: null);
            raw = RawScores(data, context);
            entropy = context.Entropy("calibration");
        }
        var calibrations = new ScoreCalibration[_scores.Count];
        for (int s = 0; s < _scores.Count; s++)
        {
            if (raw[s].Any(double.IsNaN))
                throw new OodDetectorException($"the {_scores[s].Name} score of a calibration image is NaN; the model or the image is broken");
            calibrations[s] = new ScoreCalibration(_scores[s].Name, _scores[s].Direction, raw[s], targetTpr);
        }
        var result = new OodCalibration(CheckpointSha256, _models.BackgroundSha256, _models.FeatureSha256, NoiseSeed,
                                        validation.Count, entropy, calibrations);
        _calibration = result;
        return result;
    }

    /// <summary>Calibrates on image files (see <see cref="Calibrate(ImageDataset, double)"/>).</summary>
    /// <exception cref="OodDetectorException">No files, or one that cannot be decoded or converted.</exception>
    public OodCalibration Calibrate(IEnumerable<string> imagePaths, double targetTpr = CalibratedThreshold.DefaultTargetTpr)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        var paths = imagePaths.ToList();
        if (paths.Count == 0)
            throw new OodDetectorException("the calibration set is empty; give in-distribution validation images (a few hundred or more)");
        return Calibrate(DecodeAll(paths, "calibration"), targetTpr);
    }

    /// <summary>Writes the current calibration as JSON, atomically.</summary>
    /// <exception cref="OodDetectorException">The detector is not calibrated.</exception>
    public void SaveCalibration(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var calibration = _calibration ?? throw new OodDetectorException("the detector is not calibrated; call Calibrate before SaveCalibration");
        calibration.Save(path);
    }

    /// <summary>Reads a calibration written by <see cref="SaveCalibration"/> and makes it current.</summary>
    /// <exception cref="OodDetectorException">The file is missing or damaged, belongs to another checkpoint, or lacks one of the scores.</exception>
    public void LoadCalibration(string path)
    {
        var calibration = OodCalibration.Load(path);
        string Mismatch(string what) =>
            $"calibration '{path}' was made with another {what} (SHA-256 differs); calibrate this detector again";
        if (calibration.CheckpointSha256 != CheckpointSha256) throw new OodDetectorException(Mismatch($"checkpoint than '{CheckpointPath}'"));
        foreach (var score in _scores)
        {
            var s = calibration.For(score.Name)
                ?? throw new OodDetectorException($"calibration '{path}' has no '{score.Name}' score; calibrate with this detector's scores");
            if (s.Direction != score.Direction) throw new OodDetectorException($"calibration '{path}': the '{score.Name}' score points the other way; calibrate again");
        }
        if (_scores.Any(s => s.Needs.HasFlag(ScoreNeeds.Background)) && calibration.BackgroundSha256 != _models.BackgroundSha256)
            throw new OodDetectorException(Mismatch("background checkpoint"));
        if (_scores.Any(s => s.Needs.HasFlag(ScoreNeeds.FeatureFlow)) && calibration.FeatureSha256 != _models.FeatureSha256)
            throw new OodDetectorException(Mismatch("feature checkpoint"));
        if (calibration.NoiseSeed != NoiseSeed)
            throw new OodDetectorException(string.Create(CultureInfo.InvariantCulture,
                $"calibration '{path}' was scored with noise seed {calibration.NoiseSeed}, this detector uses {NoiseSeed}; set OodDetectorOptions.NoiseSeed or calibrate again"));
        _calibration = calibration;
    }

    /// <summary>Scores one image file (PNG, JPEG or BMP).</summary>
    /// <exception cref="OodDetectorException">The file is missing or cannot be decoded or converted to the model's input.</exception>
    public OodResult Score(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        return ScoreImages(One(_input.Decode(imagePath)), [imagePath])[0];
    }

    /// <summary>Scores one decoded image (any pixel format; converted to the model's channels).</summary>
    /// <exception cref="OodDetectorException">The image's size does not fit the model.</exception>
    public OodResult Score(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ScoreImages(One(_input.Convert(image, "the image")), ["#0"])[0];
    }

    /// <summary>Scores one encoded image (the bytes of a PNG, JPEG or BMP file).</summary>
    /// <exception cref="OodDetectorException">The bytes are not an image, or it does not fit the model.</exception>
    public OodResult Score(byte[] encodedImage)
    {
        ArgumentNullException.ThrowIfNull(encodedImage);
        return ScoreImages(One(_input.Decode(encodedImage, "the image bytes")), ["#0"])[0];
    }

    /// <summary>Scores image files in one call (one result per file, in order; <see cref="OodResult.Source"/> is the path).</summary>
    /// <exception cref="OodDetectorException">A file is missing or cannot be decoded or converted.</exception>
    public IReadOnlyList<OodResult> ScoreFiles(IEnumerable<string> imagePaths)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        var paths = imagePaths.ToList();
        return paths.Count == 0 ? [] : ScoreImages(DecodeAll(paths, "files"), paths);
    }

    /// <summary>Scores a data set already in the model's shape (e.g. from <see cref="DatasetLoader"/>); sources are "#i".</summary>
    /// <exception cref="OodDetectorException">The images' shape is not the model's.</exception>
    public IReadOnlyList<OodResult> ScoreBatch(ImageDataset images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return images.Count == 0 ? [] : ScoreImages(_input.Check(images), null);
    }

    /// <summary>Scores a tensor [N, C, H, W] of pixel / 255 values (the model's input form); sources are "#i".</summary>
    /// <exception cref="OodDetectorException">The shape is not the model's, or a value is outside [0, 1].</exception>
    public IReadOnlyList<OodResult> ScoreBatch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return images.Shape is [0, ..] ? [] : ScoreImages(_input.FromTensor(images), null);
    }

    /// <summary>Releases the models and the device. Waits for a forward pass in flight.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _models.Dispose();
        }
    }

    // The CLI's pixel scores, plus the ones whose models were given: what a newcomer wants without choosing.
    private static IReadOnlyList<string> DefaultScores(OodDetectorOptions options)
    {
        var names = new List<string> { "ll", "typicality", "complexity" };
        if (options.BackgroundCheckpoint is not null) names.Add("lr");
        if (options.FeatureCheckpoint is not null) names.Add("features");
        return names;
    }

    private static IOodScore CreateScore(string name)
    {
        try { return OodScoreCatalog.Create(name); }
        catch (ArgumentException e) { throw new OodDetectorException($"OodDetectorOptions.Scores: {e.Message}", e); }
    }

    private IReadOnlyList<OodResult> ScoreImages(ImageDataset images, IReadOnlyList<string>? sources)
    {
        // One snapshot: the typicality centre and the thresholds come from the same calibration.
        var calibration = _calibration;
        var active = _scores.Select((s, i) => (Score: s, Index: i))
            .Where(x => calibration is not null || !x.Score.Needs.HasFlag(ScoreNeeds.Validation)).ToList();
        double[][] raw;
        lock (_gate)
        {
            ThrowIfDisposed();
            raw = RawScores(images, NewContext(validation: null, entropy: calibration?.EntropyNats), active.Select(a => a.Score).ToList());
        }
        // Before calibration typicality (which needs Ĥ) is left out; the primary score falls back to the first one left.
        string primary = active.Any(a => a.Score.Name == PrimaryScore) ? PrimaryScore : active[0].Score.Name;
        var results = new OodResult[images.Count];
        for (int i = 0; i < results.Length; i++)
        {
            var scores = new ScoreResult[active.Count];
            for (int k = 0; k < active.Count; k++)
            {
                var score = active[k].Score;
                double value = raw[k][i];
                var cal = calibration?.For(score.Name);
                bool known = cal is not null && !double.IsNaN(value);
                scores[k] = new ScoreResult(score.Name, value, score.Direction, score.Unit,
                    known ? cal!.PValue(value) : null, known ? !cal!.Threshold.Accepts(value) : null, cal?.Threshold);
            }
            results[i] = new OodResult(sources?[i] ?? "#" + i.ToString(CultureInfo.InvariantCulture), scores, primary);
        }
        return results;
    }

    private ScoringContext NewContext(FlowData? validation, double? entropy) => new(_models.Model)
    {
        BatchSize = _batchSize,
        NoiseSeed = NoiseSeed,
        Background = _models.Background,
        Validation = validation,
        FixedEntropy = entropy,
    };

    // Called under the lock: every forward pass of every model happens here.
    private double[][] RawScores(FlowData data, ScoringContext context, IReadOnlyList<IOodScore>? scores = null)
    {
        scores ??= _scores;
        var raw = new double[scores.Count][];
        for (int s = 0; s < scores.Count; s++)
            raw[s] = scores[s] is FeatureFlowScore ? FeatureLogLikelihoods(context, data) : scores[s].Score(context, data);
        return raw;
    }

    // FeatureFlowScorer caches embeddings in files named after the data set; an application's images have no stable
    // name, so the detector embeds in memory and scores the vectors with the same likelihood path.
    private double[] FeatureLogLikelihoods(ScoringContext context, FlowData data)
    {
        var vectors = _models.Extractor!.Extract(data.Images!);
        return context.Score(_models.FeatureFlow!, vectors, data.Name + " (feature flow)");
    }

    private ImageDataset DecodeAll(IReadOnlyList<string> paths, string name)
    {
        var pixels = new byte[(long)paths.Count * _input.ImageSize];
        // In order, so the first bad file is the one reported.
        for (int i = 0; i < paths.Count; i++) _input.Decode(paths[i]).CopyTo(pixels.AsSpan(i * _input.ImageSize, _input.ImageSize));
        return new ImageDataset(name, pixels, new int[paths.Count], _input.Channels, _input.Height, _input.Width);
    }

    private ImageDataset One(byte[] pixels) => new("image", pixels, [0], _input.Channels, _input.Height, _input.Width);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

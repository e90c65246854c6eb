using System.Security.Cryptography;
using Flows.Core.Checkpoints;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Features;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Kernels;
using Flows.Kernels.Devices;

namespace Flows.Core.Api;

/// <summary>
/// What <see cref="OodDetector.Load"/> reads: the device, the model, and the optional background model and feature
/// flow with its extractor, each with the SHA-256 of its checkpoint file. Every failure is one OodDetectorException;
/// whatever was opened before it is released.
/// </summary>
internal sealed class DetectorModels : IDisposable
{
    private DetectorModels(IComputeBackend backend) => Backend = backend;

    public IComputeBackend Backend { get; }
    public FlowModel Model { get; private set; } = null!;
    public TrainingCheckpoint Checkpoint { get; private set; } = null!;
    public string CheckpointSha256 { get; private set; } = "";
    public FlowModel? Background { get; private set; }
    public string? BackgroundSha256 { get; private set; }
    public FlowModel? FeatureFlow { get; private set; }
    public string? FeatureSha256 { get; private set; }
    public ResNetFeatureExtractor? Extractor { get; private set; }

    public static DetectorModels Load(string checkpointPath, OodDetectorOptions options)
    {
        IComputeBackend backend;
        try { backend = ComputeDevices.Create(options.Device); }
        catch (Exception e) when (e is ArgumentException or DeviceUnavailableException)
        {
            throw new OodDetectorException($"OodDetectorOptions.Device: {e.Message}", e);
        }
        var models = new DetectorModels(backend);
        try
        {
            (models.Model, models.Checkpoint, models.CheckpointSha256) = Open(checkpointPath, backend, "checkpoint");
            if (!models.Model.DiscreteData)
                throw new OodDetectorException($"checkpoint '{checkpointPath}' is a vector flow ({models.Model.Config.Name} on {string.Join("x", models.Model.DataShape)}); the detector scores images: pass an image model's checkpoint");
            if (options.BackgroundCheckpoint is { } bg)
            {
                (models.Background, var bgCheckpoint, models.BackgroundSha256) = Open(bg, backend, "background checkpoint");
                CheckSameArchitecture(models.Model, bgCheckpoint, bg);
            }
            if (options.FeatureCheckpoint is { } fc)
            {
                (models.FeatureFlow, _, models.FeatureSha256) = Open(fc, backend, "feature checkpoint");
                try
                {
                    Evaluation.FeatureFlowScorer.CheckDimension(models.FeatureFlow);
                    models.Extractor = ResNetFeatureExtractor.Load(backend, new ResNetFeatureOptions
                    {
                        InputSize = options.FeatureInputSize,
                        ModelFolder = options.ResNetModelFolder,
                    });
                }
                catch (Exception e) when (e is ArgumentException or DataException or IOException or InvalidOperationException)
                {
                    throw new OodDetectorException($"feature checkpoint '{fc}': {e.Message} (the ResNet-18 ONNX files come from FLOWS_RESNET18_DIR or the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18)", e);
                }
            }
            return models;
        }
        catch
        {
            models.Dispose();
            throw;
        }
    }

    /// <summary>SHA-256 of a file, lower-case hex: what a calibration records to recognise its checkpoint.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static (FlowModel, TrainingCheckpoint, string) Open(string path, IComputeBackend backend, string what)
    {
        try
        {
            var checkpoint = TrainingCheckpoint.Load(path);
            var model = FlowModels.Create(checkpoint.Config.Model, backend, checkpoint.Config.Seed);
            checkpoint.LoadModelInto(model);
            return (model, checkpoint, Sha256(path));
        }
        catch (Exception e) when (e is CheckpointException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new OodDetectorException($"{what}: {e.Message}", e);
        }
    }

    private static void CheckSameArchitecture(FlowModel model, TrainingCheckpoint background, string path)
    {
        if (LikelihoodRatioScore.ArchitectureMismatch(model.Config, background.Config.Model) is { } mismatch)
            throw new OodDetectorException($"background checkpoint '{path}' has {mismatch}; the likelihood ratio needs a background model of the same architecture and data shape");
    }

    public void Dispose()
    {
        Extractor?.Dispose();
        Backend.Dispose();
    }
}

using System.Globalization;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Flows;
using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows train`: a preset or the paper's configurations, with every setting overridable.</summary>
public static class TrainCommand
{
    public static readonly string[] ModelOptionNames = ["model", "image", "scales", "blocks", "mid", "K", "latent", "st-type", "dim", "hidden", "layers", "couplings"];

    public static CommandSpec Spec { get; } = new("train",
        "Train a flow by maximum likelihood. Writes checkpoint.safetensors, metrics.json and samples.png into --out.\n" +
        "Presets: " + string.Join("; ", TrainingPresets.All.Select(p => $"{p.Name} = {p.Description}")),
        [
            new("preset", "NAME", "start from a named recipe", "cpu-small"),
            new("model", "NAME", "model: " + string.Join(", ", ModelConfig.ModelNames)),
            new("image", "CxHxW", "image shape of the model (taken from the data set when omitted)"),
            new("scales", "S", "RealNVP scales / Glow levels"),
            new("blocks", "B", "residual blocks per st-network"),
            new("mid", "M", "st-network width"),
            new("K", "K", "Glow steps per level"),
            new("latent", "L", "bottleneck size of resnet_ae / autoencoder st-networks"),
            new("st-type", "TYPE", "st-network: " + string.Join(", ", StNetworkCatalog.ImageNames)),
            new("dim", "D", "tabular: input width (taken from the vectors when omitted)"),
            new("hidden", "H", "tabular: st-network MLP width"),
            new("layers", "N", "tabular: hidden layers per MLP (Glow: highway layers)"),
            new("couplings", "K", "tabular: coupling layers"),
            new("dataset", "NAME", "training set: a registry name, NAME=PATH, NAME=PATH/x_{split}.npz for vectors, or a UCI task (miniboone0, hepmass1, …)"),
            new("epochs", "N", "epochs to train"),
            new("steps", "N", "stop after N optimizer steps in all"),
            new("batch", "N", "batch size"),
            new("eval-batch", "N", "batch size for test evaluation"),
            new("lr", "X", "learning rate"),
            new("optimizer", "NAME", "adam, adamw (decoupled weight decay) or rmsprop"),
            new("weight-decay", "X", "weight decay (coupled L2 for adam and rmsprop, decoupled for adamw)"),
            new("decay-groups", "WHICH", "weight_g (decay only weight-norm gains, RealNVP) or all (Glow)"),
            new("clip", "X", "per-group gradient-norm clip"),
            new("warmup", "N", "raise the learning rate linearly over the first N steps", "0"),
            new("schedule", "NAME", "learning rate after warmup: " + string.Join(", ", Flows.Core.LearningRateSchedule.Kinds) + " (step = the official --lr_anneal)", "constant"),
            new("train-limit", "N", "use only the first N training samples"),
            new("test-limit", "N", "evaluate on the first N test samples"),
            new("checkpoint-every", "N", "also checkpoint every N steps"),
            new("samples", "N", "images in the sample grid"),
            new("sample-temperature", "T", "draw the sample grid from z ~ N(0, T^2 I)", "1"),
            new("save-every-epochs", "K", "also keep checkpoint-epoch-E.safetensors after every epoch E divisible by K"),
            new("keep", "N", "keep only the newest N epoch checkpoints (with --save-every-epochs)"),
            new("no-shuffle", null, "visit the training set in file order every epoch (the UCI recipe)"),
            new("recalibrate-bn", "N", "after training, recompute BatchNorm running statistics over N training batches"),
            new("ood-dataset", "NAME", "an OOD set: AUROC of the test set against its test split in metrics.json each epoch; with --negative-val its train split is the negative set"),
            new("negative-val", "X", "negative training (paper Appendix B): minimize the OOD likelihood of samples whose log-likelihood (nats) is above X; -30000 gray, -100000 colour"),
            new("perturb", "MU", "replace each training pixel by a uniform random 8-bit value with probability MU (Ren et al.'s background model); images only"),
            new("out", "DIR", "output folder", "runs/train"),
            new("resume", "CHECKPOINT", "continue a run from its checkpoint"),
            new("cuda-graph", null, "capture one training step as a CUDA graph and replay it (cuda; simulated on ilgpu-cpu; elsewhere a note and eager steps)"),
            CommonOptions.Seed, CommonOptions.Device, CommonOptions.DataDir, CommonOptions.Offline,
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        var config = BuildConfig(args, out var resume);
        string outDir = args.String("out") ?? (resume is not null ? Path.GetDirectoryName(Path.GetFullPath(resume.Path))! : "runs/train");
        CheckOutputFolder(outDir);
        var result = Train(config, args, outDir, resume);
        return result.Completed ? 0 : 130;
    }

    /// <summary>The configuration from a checkpoint (--resume) or a preset, with the flags applied.</summary>
    public static TrainingConfig BuildConfig(ParsedArgs args, out TrainingCheckpoint? resume)
    {
        resume = null;
        TrainingConfig config;
        if (args.String("resume") is { } path)
        {
            var changed = ModelOptionNames.Concat(["preset", "dataset", "batch", "optimizer", "decay-groups", "seed", "train-limit", "no-shuffle", "ood-dataset", "negative-val", "perturb", "warmup", "schedule"]).Where(args.Has).ToList();
            if (changed.Count > 0)
                throw new UsageException($"--resume continues a run with its own settings; drop --{string.Join(", --", changed)} (only --epochs, --steps, --lr, --out, --device and the checkpoint and sample options may change)");
            resume = TrainingCheckpoint.Load(path);
            config = resume.Config;
        }
        else
        {
            string? dataset = args.String("dataset");
            // Vectors have their own default recipe: the tabular RealNVP of docs/MODELS.md §5.3 (embeddings row).
            string presetName = args.String("preset") ?? (dataset is not null && FlowDataLoader.IsVectorSpec(dataset) ? "features-tabular" : "cpu-small");
            config = TrainingPresets.Get(presetName).Config;
            if (dataset is not null) config = config with { Dataset = dataset };
            if (ModelOptionNames.Any(args.Has))
            {
                string name = args.String("model") ?? config.Model.Name;
                var model = WithOverrides(name == config.Model.Name ? config.Model : null, name, args, args.String("image") ?? config.Model.Image.ToString());
                if (name != config.Model.Name)
                {
                    var paper = TrainingConfig.PaperDefaults(model);
                    config = config with { Optimizer = paper.Optimizer, DecayGroups = paper.DecayGroups };
                }
                config = config with { Model = model };
            }
            config = config with
            {
                Seed = args.Int("seed", config.Seed),
                BatchSize = args.Int("batch", config.BatchSize),
                Optimizer = args.String("optimizer") ?? config.Optimizer,
                DecayGroups = args.String("decay-groups") ?? config.DecayGroups,
                TrainLimit = args.Int("train-limit", config.TrainLimit),
                WeightDecay = args.Double("weight-decay", config.WeightDecay),
                ClipNorm = args.Double("clip", config.ClipNorm),
                SampleCount = args.Int("samples", config.SampleCount),
                Shuffle = config.Shuffle && !args.Flag("no-shuffle"),
                OodDataset = args.String("ood-dataset") ?? config.OodDataset,
                NegativeValue = args.Has("negative-val") ? args.Double("negative-val", 0) : config.NegativeValue,
                Perturb = args.Double("perturb", config.Perturb),
                WarmupSteps = args.Int("warmup", config.WarmupSteps),
                Schedule = args.String("schedule") ?? config.Schedule,
            };
            if (args.Has("negative-val") && !args.Has("ood-dataset") && config.OodDataset is null)
                throw new UsageException("--negative-val needs --ood-dataset NAME: negative training lowers the likelihood of that set's training images (e.g. --ood-dataset mnist)");
        }
        config = config with
        {
            Epochs = args.Int("epochs", config.Epochs),
            MaxSteps = args.Int("steps", config.MaxSteps),
            LearningRate = args.Double("lr", config.LearningRate),
            EvalBatchSize = args.Int("eval-batch", config.EvalBatchSize),
            TestLimit = args.Int("test-limit", config.TestLimit),
            CheckpointEvery = args.Int("checkpoint-every", config.CheckpointEvery),
            RecalibrateBatchNorm = args.Int("recalibrate-bn", config.RecalibrateBatchNorm),
            SaveEveryEpochs = args.Int("save-every-epochs", config.SaveEveryEpochs),
            KeepEpochCheckpoints = args.Int("keep", config.KeepEpochCheckpoints),
            SampleTemperature = args.Double("sample-temperature", config.SampleTemperature),
        };
        if (args.Has("keep") && config.KeepEpochCheckpoints < 1)
            throw new UsageException($"--keep must be at least 1 (the number of epoch checkpoints to keep), got {config.KeepEpochCheckpoints}; drop --keep to keep them all");
        if (args.Has("keep") && config.SaveEveryEpochs < 1)
            throw new UsageException("--keep bounds the epoch checkpoints of --save-every-epochs K; add --save-every-epochs K");
        config.Validate();
        return config;
    }

    /// <summary>
    /// Makes sure --out can hold the run's files before any data is loaded: it must be (or become) a folder
    /// that can be written. A file in its place, or a folder that cannot be written, is a UsageException.
    /// </summary>
    public static void CheckOutputFolder(string outDir)
    {
        string full = Path.GetFullPath(outDir);
        for (string? p = full; p is not null; p = Path.GetDirectoryName(p))
            if (File.Exists(p))
                throw new UsageException($"--out {outDir}: '{p}' is a file, not a folder; give --out a folder path (move the file aside or pick another name)");
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".flows-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--out {outDir}: cannot write into '{full}' ({e.Message}); pick a folder you can write");
        }
    }

    /// <summary>A model configuration: the sizes of baseModel (when given), then the flags, on the given image shape.</summary>
    public static ModelConfig WithOverrides(ModelConfig? baseModel, string name, ParsedArgs args, string image)
    {
        var options = new Dictionary<string, string> { ["model"] = name, ["image"] = image };
        if (baseModel is not null)
            foreach (var (k, v) in baseModel.ToDictionary())
                if (k is "scales" or "blocks" or "mid" or "K" or "latent" or "layers" or "st_type" or "hidden" or "couplings" or "dim") options[k] = v;
        foreach (var (k, v) in args.Subset(ModelOptionNames)) if (k is not ("model" or "image")) options[k] = v;
        return ModelConfig.FromOptions(options);
    }

    /// <summary>
    /// The preset's shape follows the data unless the user fixed it: --image for image models, --dim for the
    /// tabular model (which must then match the vectors). Vectors need the tabular model and images an image model.
    /// </summary>
    public static ModelConfig FitModelToData(ModelConfig model, FlowData data, ParsedArgs args)
    {
        bool tabular = model.Name == "tabular";
        if (!data.IsImages)
        {
            if (!tabular)
                throw new UsageException($"{data.Name} holds {data.ShapeText}-wide vectors; train it with --model tabular (model '{model.Name}' is for images)");
            int dim = data.SampleShape[0];
            if (args.Has("dim") && model.Dim != dim)
                throw new UsageException($"--dim {model.Dim} does not match {data.Name}, whose vectors have {dim} values; drop --dim or give --dim {dim}");
            return model.Dim == dim ? model : model with { Dim = dim, Image = new ImageShape(dim, 1, 1) };
        }
        if (tabular)
            throw new UsageException($"{data.Name} holds images; the tabular model takes vectors: embed the images with 'flows features' and train on those");
        var shape = new ImageShape(data.SampleShape[0], data.SampleShape[1], data.SampleShape[2]);
        return args.Has("image") || model.Image == shape ? model : WithOverrides(model, model.Name, args, shape.ToString());
    }

    /// <summary>Loads the data, trains with a progress bar, stops cleanly on Ctrl+C, and prints a summary.</summary>
    public static TrainingResult Train(TrainingConfig config, ParsedArgs args, string outDir, TrainingCheckpoint? resume)
    {
        using var backend = CommonOptions.CreateBackend(args);
        var dataOptions = CommonOptions.Data(args);
        // --train-limit reaches the reader, which then stops early (the ImageNet 64x64 train split is 15.7 GB in 10 files).
        var trainOptions = dataOptions with { MaxImages = config.TrainLimit };
        var train = CommonOptions.Load(config.Dataset, DatasetSplit.Train, trainOptions);
        var test = CommonOptions.Load(config.Dataset, DatasetSplit.Test, dataOptions);
        if (config.Perturb > 0 && !train.IsImages)
            throw new UsageException($"--perturb replaces 8-bit pixel values and works on images only; {train.Name} holds {train.ShapeText}-wide vectors (drop --perturb)");
        if (resume is null) config = config with { Model = FitModelToData(config.Model, train, args) };
        OodData? ood = null;
        if (config.OodDataset is { } oodName)
        {
            // Negative training draws from the OOD set's train split; its test split is scored each epoch (docs/MODELS.md §2 E3).
            var oodTrain = config.IsNegativeTraining ? CommonOptions.Load(oodName, DatasetSplit.Train, trainOptions) : null;
            ood = new OodData(oodTrain, CommonOptions.Load(oodName, DatasetSplit.Test, dataOptions));
            if (ood.Test.IsImages != train.IsImages || !ood.Test.SampleShape.AsSpan().SequenceEqual(train.SampleShape))
                throw new UsageException($"--ood-dataset {oodName} holds {ood.Test}, the training set {train}; pick an OOD set of the same shape");
        }

        using var trainer = new Trainer(config, backend, train, test, outDir, resume, ood);
        Console.Error.WriteLine($"model: {config.Model.Name} ({trainer.Model.ParameterCount():N0} parameters), {config.Optimizer} lr {config.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {config.BatchSize}, seed {config.Seed}");
        if (config.WarmupSteps > 0 || config.Schedule != "constant")
            Console.Error.WriteLine($"learning rate: {config.WarmupSteps} warmup steps, then {config.Schedule} (over {trainer.TotalSteps} steps, {trainer.Schedule.TotalEpochs} epochs)");
        if (config.IsNegativeTraining)
            Console.Error.WriteLine($"negative training: {config.BatchSize} {train.Name} + {config.BatchSize} {config.OodDataset} images per step, negative_val {config.NegativeValue!.Value.ToString(CultureInfo.InvariantCulture)} nats, {trainer.StepsPerEpoch} steps per epoch (the shorter set)");
        if (args.Flag("cuda-graph") && trainer.UseStepGraphs() is { } noGraphs)
            Console.Error.WriteLine($"--cuda-graph: {noGraphs}; running eagerly");
        if (config.Perturb > 0)
            Console.Error.WriteLine($"perturbation: each training pixel replaced with probability {config.Perturb.ToString(CultureInfo.InvariantCulture)}");
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("\nstopping after this step; writing a checkpoint (press Ctrl+C again to abort)");
            if (cancel.IsCancellationRequested) Environment.Exit(130);
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var result = trainer.Run(new ConsoleTrainingObserver(config.BatchSize, LossUnit.Name(trainer.Model)), cancel.Token);
            MemoryReport.Print("training", backend);
            if (trainer.StepGraphStatus is { Replays: > 0 } graphs)
                Console.Error.WriteLine($"CUDA graph: {graphs.Replays} of {result.State.GlobalStep} steps replayed from the captured graph");
            string test_ = result.LastTestLoss is double t ? t.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine(result.Completed
                ? $"trained {result.State.GlobalStep} steps in {result.Seconds:F0} s: train {result.LossUnit} {result.LastTrainLoss:F4}, test {result.LossUnit} {test_}"
                : $"interrupted at step {result.State.GlobalStep}; resume with: flows train --resume {result.CheckpointPath}");
            Console.WriteLine($"checkpoint: {Path.GetFullPath(result.CheckpointPath)}");
            if (result.SamplesPath is not null) Console.WriteLine($"samples: {Path.GetFullPath(result.SamplesPath)}");
            Console.WriteLine($"metrics: {Path.GetFullPath(trainer.MetricsPath)}");
            return result;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Flows.Core.Flows;

namespace Flows.Core.Training;

/// <summary>
/// Everything that fixes a training run besides the model: data, schedule, optimizer and seed
/// (docs/MODELS.md §5). It is saved with every checkpoint so that --resume continues the same run.
/// </summary>
public sealed record TrainingConfig
{
    public required ModelConfig Model { get; init; }

    /// <summary>A registry name or NAME=PATH of the training set.</summary>
    public string Dataset { get; init; } = "fashionmnist";

    /// <summary>Use only the first N training images (0 = all).</summary>
    public int TrainLimit { get; init; }

    /// <summary>Evaluate on the first N test images (0 = all).</summary>
    public int TestLimit { get; init; }

    public int Epochs { get; init; } = 1;

    /// <summary>Stop after this many optimizer steps in all (0 = no cap).</summary>
    public int MaxSteps { get; init; }

    public int BatchSize { get; init; } = 32;

    public int EvalBatchSize { get; init; } = 256;

    public double LearningRate { get; init; } = 5e-5;

    /// <summary>"adam", "adamw" (decoupled weight decay) or "rmsprop".</summary>
    public string Optimizer { get; init; } = "adam";

    public double WeightDecay { get; init; } = 5e-5;

    /// <summary>"weight_g" (decay only on weight-norm gains, the RealNVP family) or "all" (Glow, tabular).</summary>
    public string DecayGroups { get; init; } = "weight_g";

    /// <summary>Per-group gradient-norm clip (the official code uses 100).</summary>
    public double ClipNorm { get; init; } = 100;

    public int Seed { get; init; }

    /// <summary>Also checkpoint every N steps (0 = at the end of each epoch only).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Visit the training set in a fresh seeded order each epoch (false: in file order, as the UCI script).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>How many samples the sample grid shows.</summary>
    public int SampleCount { get; init; } = 16;

    /// <summary>
    /// An OOD data set (registry name or NAME=PATH) whose test split is scored after every epoch: AUROC of the
    /// in-distribution test set against it goes into metrics.json (docs/MODELS.md §2 E3, `ood/roc_auc`). With
    /// <see cref="NegativeValue"/> its train split is also the negative set of negative training. Null: none.
    /// </summary>
    public string? OodDataset { get; init; }

    /// <summary>
    /// Negative training (docs/MODELS.md §2 E3, Appendix B; train_unsup_ood_negative.py): the threshold `negative_val`
    /// in nats. Each step mixes an in-distribution and an OOD batch and minimizes the OOD likelihood of the
    /// samples whose log-likelihood is still above it. Null: plain maximum likelihood. Needs <see cref="OodDataset"/>.
    /// </summary>
    public double? NegativeValue { get; init; }

    /// <summary>
    /// The probability μ with which each training pixel is replaced by a uniform random 8-bit value, fresh each
    /// time an image is drawn (the background model of Ren et al. 2019's likelihood ratio). 0: off. Images only.
    /// </summary>
    public double Perturb { get; init; }

    /// <summary>
    /// After training, rebuild every BatchNorm's running statistics from this many training batches
    /// (<see cref="BatchNormRecalibration"/>; docs/MODELS.md §9, flows_ood issue #5). 0: keep the momentum averages.
    /// </summary>
    public int RecalibrateBatchNorm { get; init; }

    /// <summary>Steps of linear learning-rate warmup (0: none, the official scripts' behaviour); see <see cref="LearningRateSchedule"/>.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>The learning-rate schedule after warmup: one of <see cref="LearningRateSchedule.Kinds"/>.</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Also keep checkpoint-epoch-E.safetensors after every epoch E with E % K == 0 (the scripts' save_freq, docs/MODELS.md §5.1). 0: none.</summary>
    public int SaveEveryEpochs { get; init; }

    /// <summary>Keep at most this many epoch checkpoints, deleting the oldest (0: keep all).</summary>
    public int KeepEpochCheckpoints { get; init; }

    /// <summary>The temperature T of the sample grid: z ~ N(0, T²I) (1: the prior itself).</summary>
    public double SampleTemperature { get; init; } = 1;

    /// <summary>True when the run does negative training (an OOD set and a threshold).</summary>
    public bool IsNegativeTraining => NegativeValue is not null && OodDataset is not null;

    /// <summary>The paper's optimizer choices for a model (docs/MODELS.md §5.2–5.3), as its <see cref="ModelCatalog"/> entry gives them.</summary>
    public static TrainingConfig PaperDefaults(ModelConfig model)
    {
        var paper = ModelCatalog.Get(model.Name).Training;
        return new TrainingConfig
        {
            Model = model, Optimizer = paper.Optimizer, DecayGroups = paper.DecayGroups, LearningRate = paper.LearningRate,
            BatchSize = paper.BatchSize, SampleCount = paper.SampleCount,
        };
    }

    /// <summary>The largest sample grid a run draws (the same bound as `flows sample --count`).</summary>
    public const int MaxSampleGrid = 1024;

    public void Validate()
    {
        foreach (var (flag, value) in new[] { ("--samples", SampleCount), ("--test-limit", TestLimit), ("--checkpoint-every", CheckpointEvery),
                                               ("--train-limit", TrainLimit), ("--steps", MaxSteps), ("--epochs", Epochs) })
            if (value < 0) throw new ArgumentException($"{flag} must not be negative, got {value}");
        if (BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {BatchSize}");
        if (SampleCount > MaxSampleGrid)
            throw new ArgumentException($"--samples {SampleCount}: the sample grid holds at most {MaxSampleGrid} images; use a smaller --samples");
        if (RecalibrateBatchNorm < 0) throw new ArgumentException($"--recalibrate-bn must not be negative, got {RecalibrateBatchNorm}");
        if (EvalBatchSize < 1) throw new ArgumentException($"eval batch size must be at least 1, got {EvalBatchSize}");
        if (Epochs < 1 && MaxSteps < 1) throw new ArgumentException("give at least one epoch or a positive --steps");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"--lr (learning rate) must be positive, got {LearningRate.ToString(CultureInfo.InvariantCulture)}");
        if (WeightDecay < 0) throw new ArgumentException($"weight decay must not be negative, got {WeightDecay}");
        if (Optimizer is not ("adam" or "adamw" or "rmsprop")) throw new ArgumentException($"optimizer must be adam, adamw or rmsprop, got '{Optimizer}'");
        if (WarmupSteps < 0) throw new ArgumentException($"--warmup must not be negative, got {WarmupSteps}");
        if (!LearningRateSchedule.Kinds.Contains(Schedule))
            throw new ArgumentException($"--schedule must be one of {string.Join(", ", LearningRateSchedule.Kinds)}, got '{Schedule}'");
        if (SaveEveryEpochs < 0) throw new ArgumentException($"--save-every-epochs must not be negative, got {SaveEveryEpochs}");
        if (KeepEpochCheckpoints < 0) throw new ArgumentException($"--keep must not be negative, got {KeepEpochCheckpoints}");
        if (!(SampleTemperature >= 0) || !double.IsFinite(SampleTemperature))
            throw new ArgumentException($"--sample-temperature must be a finite number >= 0, got {SampleTemperature.ToString(CultureInfo.InvariantCulture)}");
        if (DecayGroups is not ("weight_g" or "all")) throw new ArgumentException($"weight-decay groups must be weight_g or all, got '{DecayGroups}'");
        if (!(ClipNorm > 0)) throw new ArgumentException($"gradient clip must be positive, got {ClipNorm}");
        if (NegativeValue is double v && !double.IsFinite(v)) throw new ArgumentException($"--negative-val must be a finite number of nats, got {v}");
        if (NegativeValue is not null && string.IsNullOrWhiteSpace(OodDataset))
            throw new ArgumentException("--negative-val needs --ood-dataset NAME: negative training lowers the likelihood of that set's training images");
        if (OodDataset is not null && string.IsNullOrWhiteSpace(OodDataset)) throw new ArgumentException("--ood-dataset must name a data set");
        if (!(Perturb >= 0 && Perturb <= 1))
            throw new ArgumentException($"--perturb is a probability μ in [0, 1] (each pixel replaced with probability μ), got {Perturb.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// As <see cref="Validate"/> for a configuration read from checkpoint metadata: the message names the
    /// metadata key (e.g. 'lr') instead of the flag, since no flag was given.
    /// </summary>
    public void ValidateMetadata()
    {
        try { Validate(); }
        catch (ArgumentException e)
        {
            string message = e.Message;
            foreach (var (flag, key) in FlagKeys)
                message = message.Replace(flag, $"metadata key '{key}'", StringComparison.Ordinal);
            throw new ArgumentException(message, e);
        }
    }

    private static readonly (string Flag, string Key)[] FlagKeys =
    [
        ("--lr (learning rate)", "lr"), ("--samples", "samples"), ("--test-limit", "test_limit"), ("--checkpoint-every", "checkpoint_every"),
        ("--train-limit", "train_limit"), ("--steps", "max_steps"), ("--epochs", "epochs"), ("--recalibrate-bn", "recalibrate_bn"),
        ("--negative-val", "negative_val"), ("--ood-dataset", "ood_dataset"), ("--perturb", "perturb"),
        ("--warmup", "warmup"), ("--schedule", "schedule"), ("--save-every-epochs", "save_every_epochs"), ("--keep", "keep"),
        ("--sample-temperature", "sample_temperature"),
    ];

    public string ToJson() => JsonSerializer.Serialize(ToDictionary());

    public Dictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>
        {
            ["dataset"] = Dataset,
            ["train_limit"] = I(TrainLimit),
            ["test_limit"] = I(TestLimit),
            ["epochs"] = I(Epochs),
            ["max_steps"] = I(MaxSteps),
            ["batch"] = I(BatchSize),
            ["eval_batch"] = I(EvalBatchSize),
            ["lr"] = D(LearningRate),
            ["optimizer"] = Optimizer,
            ["weight_decay"] = D(WeightDecay),
            ["decay_groups"] = DecayGroups,
            ["clip"] = D(ClipNorm),
            ["seed"] = I(Seed),
            ["checkpoint_every"] = I(CheckpointEvery),
            ["samples"] = I(SampleCount),
            ["shuffle"] = Shuffle ? "true" : "false",
            ["perturb"] = D(Perturb),
        };
        // Written only when set, so a plain run's metadata is what it was before these options.
        if (OodDataset is not null) d["ood_dataset"] = OodDataset;
        if (NegativeValue is double negative) d["negative_val"] = D(negative);
        if (RecalibrateBatchNorm > 0) d["recalibrate_bn"] = I(RecalibrateBatchNorm);
        if (WarmupSteps > 0) d["warmup"] = I(WarmupSteps);
        if (Schedule != "constant") d["schedule"] = Schedule;
        if (SaveEveryEpochs > 0) d["save_every_epochs"] = I(SaveEveryEpochs);
        if (KeepEpochCheckpoints > 0) d["keep"] = I(KeepEpochCheckpoints);
        if (SampleTemperature != 1) d["sample_temperature"] = D(SampleTemperature);
        foreach (var (k, v) in Model.ToDictionary()) d["model." + k] = v;
        return d;
    }

    public static TrainingConfig FromDictionary(IReadOnlyDictionary<string, string> d)
    {
        string Get(string k) => d.TryGetValue(k, out var v) ? v : throw new ArgumentException($"training configuration: missing '{k}'");
        var model = ModelConfig.FromDictionary(d.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["model.".Length..], kv => kv.Value));
        return new TrainingConfig
        {
            Model = model,
            Dataset = Get("dataset"),
            TrainLimit = PI(Get("train_limit")),
            TestLimit = PI(Get("test_limit")),
            Epochs = PI(Get("epochs")),
            MaxSteps = PI(Get("max_steps")),
            BatchSize = PI(Get("batch")),
            EvalBatchSize = PI(Get("eval_batch")),
            LearningRate = PD(Get("lr")),
            Optimizer = Get("optimizer"),
            WeightDecay = PD(Get("weight_decay")),
            DecayGroups = Get("decay_groups"),
            ClipNorm = PD(Get("clip")),
            Seed = PI(Get("seed")),
            CheckpointEvery = PI(Get("checkpoint_every")),
            SampleCount = PI(Get("samples")),
            // Checkpoints from before the option always shuffled.
            Shuffle = !d.TryGetValue("shuffle", out var shuffle) || shuffle != "false",
            // Checkpoints from before negative training and --perturb have neither key: a plain run.
            OodDataset = d.GetValueOrDefault("ood_dataset"),
            NegativeValue = d.TryGetValue("negative_val", out var negative) ? PD(negative) : null,
            Perturb = d.TryGetValue("perturb", out var perturb) ? PD(perturb) : 0,
            RecalibrateBatchNorm = d.TryGetValue("recalibrate_bn", out var recalibrate) ? PI(recalibrate) : 0,
            // Checkpoints from before schedules and epoch history: constant rate, no warmup, no history.
            WarmupSteps = d.TryGetValue("warmup", out var warmup) ? PI(warmup) : 0,
            Schedule = d.GetValueOrDefault("schedule") ?? "constant",
            SaveEveryEpochs = d.TryGetValue("save_every_epochs", out var every) ? PI(every) : 0,
            KeepEpochCheckpoints = d.TryGetValue("keep", out var keep) ? PI(keep) : 0,
            SampleTemperature = d.TryGetValue("sample_temperature", out var temperature) ? PD(temperature) : 1,
        };
    }

    public static TrainingConfig FromJson(string json) =>
        FromDictionary(JsonSerializer.Deserialize<Dictionary<string, string>>(json)
            ?? throw new ArgumentException("training configuration: empty JSON"));

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    private static int PI(string s) => int.Parse(s, CultureInfo.InvariantCulture);
    private static double PD(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Figures;
using Flows.Core.Flows;
using Flows.Kernels;

namespace Flows.Core.Training;

/// <summary>
/// Trains a flow by maximum likelihood (docs/MODELS.md §5.1): per step, NLL forward, backward, per-group gradient
/// clipping, optimizer step. Evaluates test bits/dim in eval mode after each epoch, writes metrics.json,
/// checkpoints (atomically) and a sample grid into the output folder. A run stopped by the cancellation token
/// writes a checkpoint from which --resume continues with the same losses as an uninterrupted run.
/// With an OOD set it also logs the AUROC of the in-distribution test set against the OOD test set per epoch;
/// with a negative threshold it does negative training (docs/MODELS.md §2 E3): each step one forward pass over an
/// in-distribution batch followed by an OOD batch, the loss of <see cref="NegativeLoss"/>, and epochs as long as
/// the shorter of the two loaders (the script's `zip(trainloader, ood_loader)`).
/// </summary>
public sealed class Trainer : IDisposable
{
    /// <summary>The seed of the fixed dequantization noise used for every test evaluation.</summary>
    public const ulong EvaluationNoiseSeed = 0xE7A1;

    /// <summary>The stream of OOD batch orders (<see cref="BatchOrder.Permutation"/>), apart from the training set's.</summary>
    public const int OodOrderStream = 0x00D;

    /// <summary>Mixed into the run's seed for the --perturb pixel stream.</summary>
    public const ulong PerturbSeedSalt = 0x9E27_B0C5UL;

    private readonly FlowData _train;
    private readonly FlowData _test;
    private readonly FlowData? _oodTrain;
    private readonly FlowData? _oodTest;
    private readonly PerturbedImageData? _perturbed;
    private readonly MetricsLog _metrics;
    private GraphedTrainingStep? _graphed;

    /// <param name="config">The run's settings; <see cref="TrainingConfig.OodDataset"/> needs <paramref name="ood"/>.</param>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="train">The training set.</param>
    /// <param name="test">The in-distribution test set.</param>
    /// <param name="outputDirectory">Checkpoint, metrics.json and samples go here.</param>
    /// <param name="resumeFrom">A checkpoint of this run to continue.</param>
    /// <param name="ood">The OOD set: its test split for the per-epoch AUROC, its train split for negative training.</param>
    public Trainer(TrainingConfig config, IComputeBackend backend, FlowData train, FlowData test,
                   string outputDirectory, TrainingCheckpoint? resumeFrom = null, OodData? ood = null)
    {
        config.Validate();
        Config = config;
        OutputDirectory = outputDirectory;
        Directory.CreateDirectory(outputDirectory);
        _train = config.TrainLimit > 0 ? train.Subset(config.TrainLimit) : train;
        _test = config.TestLimit > 0 ? test.Subset(config.TestLimit) : test;
        if (_train.Count == 0)
            throw new DataException(train.Count == 0
                ? $"the training set {train.Name} is empty: there is no training data; check its path or pick a set with samples"
                : $"the training set {train.Name} is empty after --train-limit {config.TrainLimit}: there is no training data; raise --train-limit");
        if (_test.Count == 0)
            throw new DataException($"the test set {test.Name} is empty: nothing to evaluate; check its path or pick a set with a test split");
        ModelFootprint.RequireTrainingStepFits(config.Model, config.BatchSize, _train.Count, ModelFootprint.AvailableBytes);
        ModelFootprint.RequireEvaluationFits(config.Model, config.EvalBatchSize, _test.Count, ModelFootprint.AvailableBytes);
        Model = FlowModels.Create(config.Model, backend, config.Seed);
        if (!_train.SampleShape.AsSpan().SequenceEqual(Model.DataShape) || !_test.SampleShape.AsSpan().SequenceEqual(Model.DataShape))
            throw new ArgumentException(
                $"data set {_train.Name} has {(_train.IsImages ? "images" : "vectors")} of {_train.ShapeText} (test: {_test.ShapeText}), the model '{config.Model.Name}' takes {string.Join("x", Model.DataShape)}");
        if (_train.IsImages != Model.DiscreteData)
            throw new ArgumentException(_train.IsImages
                ? $"model '{config.Model.Name}' is for feature vectors, {_train.Name} holds images; use an image model or embed the images with 'flows features'"
                : $"model '{config.Model.Name}' is for images, {_train.Name} holds vectors; use --model tabular");
        if (config.OodDataset is not null)
        {
            if (ood is null) throw new ArgumentException($"the run names the OOD set '{config.OodDataset}' but no OOD data was given to the trainer");
            if (config.IsNegativeTraining && ood.Train is null)
                throw new ArgumentException($"negative training needs the training split of the OOD set '{config.OodDataset}'");
            _oodTest = config.TestLimit > 0 ? ood.Test.Subset(config.TestLimit) : ood.Test;
            if (config.IsNegativeTraining) _oodTrain = config.TrainLimit > 0 ? ood.Train!.Subset(config.TrainLimit) : ood.Train;
            if (_oodTest.Count == 0) throw new DataException($"the OOD test set {ood.Test.Name} is empty: nothing to score; pick an OOD set with samples");
            if (_oodTrain is { Count: 0 }) throw new DataException($"the OOD training set {ood.Train!.Name} is empty: negative training has no OOD batches; pick an OOD set with samples");
            foreach (var set in new[] { _oodTest, _oodTrain })
                if (set is not null && (!set.SampleShape.AsSpan().SequenceEqual(Model.DataShape) || set.IsImages != _train.IsImages))
                    throw new ArgumentException(
                        $"the OOD set {set.Name} has {(set.IsImages ? "images" : "vectors")} of {set.ShapeText}, but {_train.Name} and the model take {(_train.IsImages ? "images" : "vectors")} of {string.Join("x", Model.DataShape)}; pick an OOD set of the same shape");
        }
        if (config.Perturb > 0)
        {
            // Ren et al.'s background model: perturb only the in-distribution training images, never the test sets.
            _perturbed = new PerturbedImageData(_train, config.Perturb, unchecked((ulong)(uint)config.Seed ^ PerturbSeedSalt));
            _train = _perturbed;
        }
        Optimizer = OptimizerFactory.Create(Model, config);
        State = new TrainingState();
        if (resumeFrom is not null)
        {
            resumeFrom.LoadModelInto(Model);
            resumeFrom.LoadOptimizerInto(Optimizer);
            State = resumeFrom.State;
        }
        if (Model.Noise is { } noise) noise.Offset = State.NoiseOffset;
        if (_perturbed is not null) _perturbed.Offset = State.PerturbOffset;
        _metrics = new MetricsLog(MetricsPath, resume: resumeFrom is not null);
        int epochsVisited = (int)Math.Min(int.MaxValue, ((long)TotalSteps + StepsPerEpoch - 1) / StepsPerEpoch);
        Schedule = new LearningRateSchedule(config.LearningRate, config.Schedule, config.WarmupSteps, TotalSteps, epochsVisited);
    }

    public TrainingConfig Config { get; }
    public string OutputDirectory { get; }
    public FlowModel Model { get; }
    public Optimizer Optimizer { get; }
    public TrainingState State { get; private set; }

    /// <summary>The learning rate of each step (warmup and schedule), recomputed from the step, so a resume continues it exactly.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>
    /// Replays training steps from a captured step graph (`--cuda-graph`; docs/PERFORMANCE.md, "Streams and CUDA
    /// graphs"). Returns null when they are on, else why not (the caller notes it and the run goes on eagerly): the
    /// backend has no graphs, or negative training reads its likelihoods in the middle of a step.
    /// </summary>
    public string? UseStepGraphs()
    {
        if (Model.Backend is not IStepGraphs graphs) return $"the {Model.Backend.Name} backend has no step graphs";
        if (Config.IsNegativeTraining) return "negative training reads the batch's likelihoods in the middle of each step";
        _graphed ??= new GraphedTrainingStep(Model.Backend, graphs, Optimizer, Model.Noise, QueueStep);
        return null;
    }

    /// <summary>Steps run by launching a step graph, and the reason graphs were given up (null while in use).</summary>
    public (int Replays, string? Failure) StepGraphStatus => (_graphed?.Replays ?? 0, _graphed?.Failure);

    /// <summary>The step graph's next note for the user ("…captured", "CUDA graph capture failed (…); running eagerly").</summary>
    public string? TakeStepGraphNote() => _graphed?.TakeNote();

    public string CheckpointPath => System.IO.Path.Combine(OutputDirectory, "checkpoint.safetensors");
    public string MetricsPath => System.IO.Path.Combine(OutputDirectory, "metrics.json");
    public string SamplesPath => System.IO.Path.Combine(OutputDirectory, "samples.png");

    /// <summary>Batches per epoch: the training set's, or in negative training the shorter of the two loaders'.</summary>
    public int StepsPerEpoch => _oodTrain is null
        ? BatchOrder.BatchesPerEpoch(_train.Count, Config.BatchSize)
        : Math.Min(BatchOrder.BatchesPerEpoch(_train.Count, Config.BatchSize), BatchOrder.BatchesPerEpoch(_oodTrain.Count, Config.BatchSize));

    public int TotalSteps
    {
        get
        {
            long all = (long)Config.Epochs * StepsPerEpoch;
            if (Config.Epochs < 1) all = long.MaxValue;
            return (int)Math.Min(all, Config.MaxSteps > 0 ? Config.MaxSteps : int.MaxValue);
        }
    }

    public TrainingResult Run(ITrainingObserver observer, CancellationToken cancel = default)
    {
        var clock = Stopwatch.StartNew();
        double secondsBefore = State.Seconds;
        double Elapsed() => secondsBefore + clock.Elapsed.TotalSeconds;
        int total = TotalSteps;
        observer.OnStart(total, StepsPerEpoch, State);
        double lastTrainBpd = double.NaN;
        double? lastTestBpd = null;
        var rate = new RateMeter();
        bool checkpointWritten = File.Exists(CheckpointPath);
        float learningRate = Optimizer.LearningRate;

        int epoch = State.Epoch;
        while (State.GlobalStep < total)
        {
            var order = Config.Shuffle ? BatchOrder.Permutation(_train.Count, Config.Seed, epoch) : BatchOrder.InOrder(_train.Count);
            int[]? oodOrder = _oodTrain is null ? null
                : Config.Shuffle ? BatchOrder.Permutation(_oodTrain.Count, Config.Seed, epoch, OodOrderStream) : BatchOrder.InOrder(_oodTrain.Count);
            // A resumed epoch continues the sums its first part left in the checkpoint.
            double epochBpdSum = State.EpochLossSum;
            int epochBatches = State.EpochBatches;
            var negative = new NegativeEpochStats();
            for (int b = State.BatchInEpoch; b < StepsPerEpoch && State.GlobalStep < total; b++)
            {
                if (cancel.IsCancellationRequested)
                {
                    State = State with { Seconds = Elapsed() };
                    SaveCheckpoint();
                    return new TrainingResult(false, State, CheckpointPath, lastTestBpd, lastTrainBpd, clock.Elapsed.TotalSeconds, null) { LossUnit = LossUnit.Name(Model) };
                }
                var batch = BatchOrder.Batch(order, b, Config.BatchSize);
                Optimizer.LearningRate = learningRate = (float)Schedule.At(State.GlobalStep, epoch);
                double bpd;
                if (oodOrder is null) bpd = TrainStep(batch, checkpointWritten);
                else
                {
                    var terms = TrainNegativeStep(batch, BatchOrder.Batch(oodOrder, b, Config.BatchSize), checkpointWritten);
                    negative.Add(terms);
                    bpd = LossUnit.FromMeanNll(Model, terms.PositiveNll);
                }
                lastTrainBpd = bpd;
                epochBpdSum += bpd;
                epochBatches++;
                State = State with
                {
                    BatchInEpoch = b + 1,
                    GlobalStep = State.GlobalStep + 1,
                    NoiseOffset = Model.Noise?.Offset ?? 0,
                    PerturbOffset = _perturbed?.Offset ?? 0,
                    EpochLossSum = epochBpdSum,
                    EpochBatches = epochBatches,
                };
                if (_graphed?.TakeNote() is { } note) observer.OnMessage(note);
                observer.OnStep(State, bpd, rate.Add(batch.Length));
                if (Config.CheckpointEvery > 0 && State.GlobalStep % Config.CheckpointEvery == 0)
                {
                    EnsureFiniteParameters(checkpointWritten);
                    State = State with { Seconds = Elapsed() };
                    SaveCheckpoint();
                    checkpointWritten = true;
                }
            }

            bool epochDone = State.BatchInEpoch >= StepsPerEpoch;
            var testScores = LikelihoodScorer.Score(Model, _test, Config.EvalBatchSize, EvaluationNoiseSeed);
            lastTestBpd = LossUnit.Mean(Model, testScores);
            observer.OnEvaluation(epoch, lastTestBpd.Value);
            var record = new List<KeyValuePair<string, object?>>
            {
                new("epoch", epoch), new("step", State.GlobalStep), new("complete_epoch", epochDone),
                new(LossUnit.MetricKey(Model, "train"), epochBatches > 0 ? epochBpdSum / epochBatches : double.NaN),
                new(LossUnit.MetricKey(Model, "test"), lastTestBpd.Value),
                new("lr", (double)learningRate),
            };
            if (_oodTrain is not null) record.AddRange(negative.Metrics());
            if (_oodTest is not null) record.AddRange(OodMetrics(testScores, observer, epoch));
            record.Add(new("seconds", Elapsed()));
            _metrics.Append(record);
            if (epochDone)
            {
                epoch++;
                State = State with { Epoch = epoch, BatchInEpoch = 0, EpochLossSum = 0, EpochBatches = 0 };
            }
            EnsureFiniteParameters(checkpointWritten);
            State = State with { Seconds = Elapsed() };
            SaveCheckpoint();
            checkpointWritten = true;
            if (epochDone && Config.SaveEveryEpochs > 0 && (epoch - 1) % Config.SaveEveryEpochs == 0)
                SaveEpochCheckpoint(epoch - 1, observer);
        }

        if (Config.RecalibrateBatchNorm > 0)
        {
            var batches = BatchNormRecalibration.Batches(_train.Count, Config.RecalibrateBatchNorm, Config.BatchSize, Config.Seed);
            int layers = BatchNormRecalibration.Recalibrate(Model, _train, batches);
            lastTestBpd = EvaluateTestBitsPerDim();
            observer.OnMessage($"BatchNorm running statistics of {layers} layers recomputed from {batches.Count} training batches; test {LossUnit.Name(Model)} {lastTestBpd:F4}");
            _metrics.Append(("recalibrated_bn_batches", batches.Count), (LossUnit.MetricKey(Model, "test"), lastTestBpd.Value),
                            ("seconds", Elapsed()));
            State = State with { Seconds = Elapsed() };
            SaveCheckpoint();
        }

        string? samples = WriteSamples();
        return new TrainingResult(true, State, CheckpointPath, lastTestBpd, lastTrainBpd, clock.Elapsed.TotalSeconds, samples) { LossUnit = LossUnit.Name(Model) };
    }

    /// <summary>One optimizer step on the given samples; returns the batch's loss before the update (bits/dim for images, nats for vectors).</summary>
    public double TrainStep(ReadOnlySpan<int> batch, bool checkpointExists = false)
    {
        using var scope = new TensorScope();
        Model.Train();
        var x = _train.Batch(Model.Backend, batch);
        if (_graphed is not null && _graphed.TryQueue(x))
        {
            var (flagged, loss) = Optimizer.Status.Fetch();
            // A flagged step changed no weight: it runs again the ordinary way, whose checks name the culprit.
            if (!flagged) return LossUnit.FromMeanNll(Model, loss);
        }
        // The loss value comes back with the step's flag, in its one host read (Optimize).
        double lossValue = Optimize(() => (FlowLikelihood.Loss(Model.LogLikelihood(x)), null), checkpointExists);
        return LossUnit.FromMeanNll(Model, lossValue);
    }

    /// <summary>
    /// One negative-training step (docs/MODELS.md §2 E3): the in-distribution samples <paramref name="batch"/> and the
    /// OOD training samples <paramref name="oodBatch"/> go through the flow as one batch (so BatchNorm sees the
    /// mixture), then the loss of <see cref="NegativeLoss"/> is minimized. Returns its parts before the update.
    /// </summary>
    public NegativeLoss.Terms TrainNegativeStep(ReadOnlySpan<int> batch, ReadOnlySpan<int> oodBatch, bool checkpointExists = false)
    {
        if (_oodTrain is null || Config.NegativeValue is not double threshold)
            throw new InvalidOperationException("negative training needs --ood-dataset and --negative-val");
        using var scope = new TensorScope();
        Model.Train();
        var x = MixedBatch.Concat(Model.Backend, _train.Batch(Model.Backend, batch), _oodTrain.Batch(Model.Backend, oodBatch));
        int inCount = batch.Length;
        NegativeLoss.Terms? terms = null;
        Optimize(() =>
        {
            var ll = Model.LogLikelihood(x);
            var host = ll.ToArray();
            for (int i = 0; i < host.Length; i++)
                if (!float.IsFinite(host[i]))
                    throw new NumericalException($"the log-likelihood of {(i < inCount ? "in-distribution" : "OOD")} sample {i} of the mixed batch is {host[i]}");
            terms = NegativeLoss.Compute(host, inCount, threshold);
            var weights = Tensor.FromArray(Model.Backend, terms.Weights, host.Length);
            return (Ops.Sum(Ops.Mul(ll, weights)), (double?)terms.Loss);
        }, checkpointExists);
        return terms!;
    }

    /// <summary>
    /// Forward (the given loss), backward, per-group clipping and the optimizer step with no host read on the way; then
    /// one download of the loss and the step's non-finite flag (docs/PERFORMANCE.md, "Host synchronisations per step").
    /// The flag (a non-finite loss, log-det or gradient norm) also stops the optimizer kernels, so the weights stay as
    /// they were; the step is then diagnosed on the host to name the culprit as the per-layer checks always have.
    /// Returns the loss value (the forward's own, when it gives one).
    /// </summary>
    private double Optimize(Func<(Tensor Loss, double? Value)> forward, bool checkpointExists)
    {
        double lossValue;
        try
        {
            var (loss, value) = QueueUpdate(forward);
            var (flagged, deviceLoss) = Optimizer.Status.Read(loss);
            lossValue = value ?? deviceLoss;
            if (flagged) Diagnose(forward, lossValue);
        }
        catch (NumericalException e)
        {
            throw new TrainingDivergedException(State.GlobalStep + 1, e.Message, checkpointExists ? CheckpointPath : null, e);
        }
        finally
        {
            Optimizer.ZeroGrad();
        }
        return lossValue;
    }

    /// <summary>The device work of a training step on x with no host read: what a step graph captures.</summary>
    private void QueueStep(Tensor x) => Optimizer.Status.Collect(QueueUpdate(() => (FlowLikelihood.Loss(Model.LogLikelihood(x)), null)).Loss);

    /// <summary>
    /// The device work shared by <see cref="Optimize"/> and <see cref="QueueStep"/>: the status reset, the forward with
    /// its log-det checks deferred to the device flag, the loss's own check, backward, clipping and the update.
    /// </summary>
    private (Tensor Loss, double? Value) QueueUpdate(Func<(Tensor Loss, double? Value)> forward)
    {
        var status = Optimizer.Status;
        status.Reset();
        (Tensor Loss, double? Value) result;
        using (LogDets.DeferChecks(status.Flag)) result = forward();
        status.FlagNonFinite(result.Loss);
        result.Loss.Backward();
        Optimizer.ClipAndStep(status.Flag);
        return result;
    }

    /// <summary>
    /// A flagged step, explained in the order the checks ran before they moved to the device: the forward again with
    /// the per-layer log-det checks at once (it throws naming the layer), then the loss, then the host gradient norms
    /// (the gradients are still there: the flagged step changed nothing), which throw naming the group.
    /// </summary>
    private void Diagnose(Func<(Tensor Loss, double? Value)> forward, double lossValue)
    {
        using (Autograd.NoGrad()) forward();
        if (!double.IsFinite(lossValue))
            throw new NumericalException($"the loss is {lossValue} (the forward pass produced no finite likelihood)");
        var norms = Optimizer.ClipGradientNorms();
        for (int g = 0; g < norms.Length; g++)
            if (!double.IsFinite(norms[g]))
                throw new NumericalException($"the gradient norm of parameter group '{Optimizer.Groups[g].Name}' is {norms[g]}");
        throw new NumericalException("a non-finite value was flagged during the step, but the host checks found none");
    }

    /// <summary>Scores the OOD test set; AUROC of the in-distribution test scores against it (docs/MODELS.md §6, `ood/roc_auc`).</summary>
    private IEnumerable<KeyValuePair<string, object?>> OodMetrics(double[] testScores, ITrainingObserver observer, int epoch)
    {
        var oodScores = LikelihoodScorer.Score(Model, _oodTest!, Config.EvalBatchSize, EvaluationNoiseSeed);
        double auroc = Auroc.Compute(testScores, oodScores);
        double oodLoss = LossUnit.Mean(Model, oodScores);
        observer.OnMessage($"epoch {epoch}: OOD {_oodTest!.Name} {LossUnit.Name(Model)} {oodLoss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}, AUROC {auroc.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)} ({_test.Name} vs {_oodTest.Name})");
        return
        [
            new("ood_dataset", _oodTest.Name),
            new(LossUnit.MetricKey(Model, "ood_test"), oodLoss),
            new("ood_auroc", auroc),
        ];
    }

    public double EvaluateTestBitsPerDim()
    {
        var scores = LikelihoodScorer.Score(Model, _test, Config.EvalBatchSize, EvaluationNoiseSeed);
        return LossUnit.Mean(Model, scores);
    }

    /// <summary>
    /// Refuses to overwrite the last good checkpoint with non-finite weights: one sum of squares over all
    /// parameters, and on trouble the name of the first parameter that holds a NaN or an infinity.
    /// </summary>
    private void EnsureFiniteParameters(bool checkpointExists)
    {
        double sum = 0;
        foreach (var p in Model.Parameters()) sum += Model.Backend.SumOfSquares(p.Buffer, p.Length);
        if (double.IsFinite(sum)) return;
        string name = Model.NamedParameters().FirstOrDefault(p => !p.Parameter.ToArray().All(float.IsFinite)).Name ?? "(a parameter)";
        throw new TrainingDivergedException(State.GlobalStep, $"parameter '{name}' is not finite after the update (the checkpoint was not overwritten)",
                                            checkpointExists ? CheckpointPath : null);
    }

    public void SaveCheckpoint() => TrainingCheckpoint.Save(CheckpointPath, Model, Optimizer, Config, State);

    /// <summary>
    /// Keeps the state after epoch E as checkpoint-epoch-E.safetensors beside the rolling checkpoint (the scripts
    /// save when epoch % save_freq == 0, docs/MODELS.md §5.1), then drops the oldest beyond --keep. A resumable checkpoint.
    /// </summary>
    private void SaveEpochCheckpoint(int finishedEpoch, ITrainingObserver observer)
    {
        TrainingCheckpoint.Save(CheckpointHistory.PathFor(OutputDirectory, finishedEpoch), Model, Optimizer, Config, State);
        if (Config.KeepEpochCheckpoints > 0)
            foreach (var removed in CheckpointHistory.Prune(OutputDirectory, Config.KeepEpochCheckpoints))
                observer.OnMessage($"removed {System.IO.Path.GetFileName(removed)} (--keep {Config.KeepEpochCheckpoints})");
    }

    /// <summary>A grid of samples x = f⁻¹(z), z ~ N(0, T²I) (T = --sample-temperature, 1 by default), in eval mode (docs/MODELS.md §7.5).</summary>
    public string? WriteSamples()
    {
        if (!Model.DiscreteData) return null; // vectors have no picture to show
        SampleGrid.Save(Model, Math.Max(1, Config.SampleCount), (ulong)Config.Seed + 0x5A, SamplesPath, Config.SampleTemperature);
        return SamplesPath;
    }

    public void Dispose()
    {
        _graphed?.Dispose();
        Optimizer.Dispose();
    }

    /// <summary>Images per second over the last few seconds.</summary>
    private sealed class RateMeter
    {
        private readonly Queue<(long ticks, int images)> _window = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _images;

        public double Add(int images)
        {
            long now = _clock.ElapsedTicks;
            _window.Enqueue((now, images));
            _images += images;
            while (_window.Count > 1 && now - _window.Peek().ticks > Stopwatch.Frequency * 10)
                _images -= _window.Dequeue().images;
            double seconds = (now - _window.Peek().ticks) / (double)Stopwatch.Frequency;
            return _window.Count > 1 && seconds > 0 ? (_images - _window.Peek().images) / seconds : 0;
        }
    }
}

using System.Diagnostics;
using Flows.Core.Data;
using Flows.Core.Evaluation;
using Flows.Core.Figures;
using Flows.Core.Flows;
using Flows.Kernels;

namespace Flows.Core.Training;

/// <summary>
/// Trains a flow by maximum likelihood (paper-spec §5.1): per step, NLL forward, backward, per-group gradient
/// clipping, optimizer step. Evaluates test bits/dim in eval mode after each epoch, writes metrics.json,
/// checkpoints (atomically) and a sample grid into the output folder. A run stopped by the cancellation token
/// writes a checkpoint from which --resume continues with the same losses as an uninterrupted run.
/// </summary>
public sealed class Trainer : IDisposable
{
    /// <summary>The seed of the fixed dequantization noise used for every test evaluation.</summary>
    public const ulong EvaluationNoiseSeed = 0xE7A1;

    private readonly FlowData _train;
    private readonly FlowData _test;
    private readonly MetricsLog _metrics;

    public Trainer(TrainingConfig config, IComputeBackend backend, FlowData train, FlowData test,
                   string outputDirectory, TrainingCheckpoint? resumeFrom = null)
    {
        config.Validate();
        Config = config;
        OutputDirectory = outputDirectory;
        Directory.CreateDirectory(outputDirectory);
        _train = config.TrainLimit > 0 ? train.Subset(config.TrainLimit) : train;
        _test = config.TestLimit > 0 ? test.Subset(config.TestLimit) : test;
        Model = FlowModels.Create(config.Model, backend, config.Seed);
        if (!_train.SampleShape.AsSpan().SequenceEqual(Model.DataShape) || !_test.SampleShape.AsSpan().SequenceEqual(Model.DataShape))
            throw new ArgumentException(
                $"data set {_train.Name} has {(_train.IsImages ? "images" : "vectors")} of {_train.ShapeText} (test: {_test.ShapeText}), the model '{config.Model.Name}' takes {string.Join("x", Model.DataShape)}");
        if (_train.IsImages != Model.DiscreteData)
            throw new ArgumentException(_train.IsImages
                ? $"model '{config.Model.Name}' is for feature vectors, {_train.Name} holds images; use an image model or embed the images with 'flows features'"
                : $"model '{config.Model.Name}' is for images, {_train.Name} holds vectors; use --model tabular");
        Optimizer = OptimizerFactory.Create(Model, config);
        State = new TrainingState();
        if (resumeFrom is not null)
        {
            resumeFrom.LoadModelInto(Model);
            resumeFrom.LoadOptimizerInto(Optimizer);
            State = resumeFrom.State;
        }
        if (Model.Noise is { } noise) noise.Offset = State.NoiseOffset;
        _metrics = new MetricsLog(MetricsPath, resume: resumeFrom is not null);
    }

    public TrainingConfig Config { get; }
    public string OutputDirectory { get; }
    public FlowModel Model { get; }
    public Optimizer Optimizer { get; }
    public TrainingState State { get; private set; }

    public string CheckpointPath => System.IO.Path.Combine(OutputDirectory, "checkpoint.safetensors");
    public string MetricsPath => System.IO.Path.Combine(OutputDirectory, "metrics.json");
    public string SamplesPath => System.IO.Path.Combine(OutputDirectory, "samples.png");

    public int StepsPerEpoch => BatchOrder.BatchesPerEpoch(_train.Count, Config.BatchSize);

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
        int total = TotalSteps;
        observer.OnStart(total, StepsPerEpoch, State);
        double lastTrainBpd = double.NaN;
        double? lastTestBpd = null;
        var rate = new RateMeter();
        bool checkpointWritten = File.Exists(CheckpointPath);

        int epoch = State.Epoch;
        while (State.GlobalStep < total)
        {
            var order = Config.Shuffle ? BatchOrder.Permutation(_train.Count, Config.Seed, epoch) : BatchOrder.InOrder(_train.Count);
            double epochBpdSum = 0;
            int epochBatches = 0;
            for (int b = State.BatchInEpoch; b < StepsPerEpoch && State.GlobalStep < total; b++)
            {
                if (cancel.IsCancellationRequested)
                {
                    SaveCheckpoint();
                    return new TrainingResult(false, State, CheckpointPath, lastTestBpd, lastTrainBpd, clock.Elapsed.TotalSeconds, null) { LossUnit = LossUnit.Name(Model) };
                }
                var batch = BatchOrder.Batch(order, b, Config.BatchSize);
                double bpd = TrainStep(batch, checkpointWritten);
                lastTrainBpd = bpd;
                epochBpdSum += bpd;
                epochBatches++;
                State = State with { BatchInEpoch = b + 1, GlobalStep = State.GlobalStep + 1, NoiseOffset = Model.Noise?.Offset ?? 0 };
                observer.OnStep(State, bpd, rate.Add(batch.Length));
                if (Config.CheckpointEvery > 0 && State.GlobalStep % Config.CheckpointEvery == 0)
                {
                    SaveCheckpoint();
                    checkpointWritten = true;
                }
            }

            bool epochDone = State.BatchInEpoch >= StepsPerEpoch;
            lastTestBpd = EvaluateTestBitsPerDim();
            observer.OnEvaluation(epoch, lastTestBpd.Value);
            _metrics.Append(
                ("epoch", epoch), ("step", State.GlobalStep), ("complete_epoch", epochDone),
                (LossUnit.MetricKey(Model, "train"), epochBatches > 0 ? epochBpdSum / epochBatches : double.NaN),
                (LossUnit.MetricKey(Model, "test"), lastTestBpd.Value), ("seconds", clock.Elapsed.TotalSeconds));
            if (epochDone)
            {
                epoch++;
                State = State with { Epoch = epoch, BatchInEpoch = 0 };
            }
            SaveCheckpoint();
            checkpointWritten = true;
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
        double lossValue;
        try
        {
            var loss = FlowLikelihood.Loss(Model.LogLikelihood(x));
            lossValue = loss.Item();
            if (!double.IsFinite(lossValue))
                throw new NumericalException($"the loss is {lossValue} (the forward pass produced no finite likelihood)");
            loss.Backward();
            var norms = Optimizer.ClipGradientNorms();
            for (int g = 0; g < norms.Length; g++)
                if (!double.IsFinite(norms[g]))
                    throw new NumericalException($"the gradient norm of parameter group '{Optimizer.Groups[g].Name}' is {norms[g]}");
            Optimizer.Step();
        }
        catch (NumericalException e)
        {
            throw new TrainingDivergedException(State.GlobalStep + 1, e.Message, checkpointExists ? CheckpointPath : null, e);
        }
        finally
        {
            Optimizer.ZeroGrad();
        }
        return LossUnit.FromMeanNll(Model, lossValue);
    }

    public double EvaluateTestBitsPerDim()
    {
        var scores = LikelihoodScorer.Score(Model, _test, Config.EvalBatchSize, EvaluationNoiseSeed);
        return LossUnit.Mean(Model, scores);
    }

    public void SaveCheckpoint() => TrainingCheckpoint.Save(CheckpointPath, Model, Optimizer, Config, State);

    /// <summary>A grid of samples x = f⁻¹(z), z ~ N(0, I), in eval mode (paper-spec §7.5).</summary>
    public string? WriteSamples()
    {
        if (!Model.DiscreteData) return null; // vectors have no picture to show
        SampleGrid.Save(Model, Math.Max(1, Config.SampleCount), (ulong)Config.Seed + 0x5A, SamplesPath);
        return SamplesPath;
    }

    public void Dispose() => Optimizer.Dispose();

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

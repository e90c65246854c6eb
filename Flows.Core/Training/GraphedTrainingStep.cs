using Flows.Core.Flows;
using Flows.Kernels;

namespace Flows.Core.Training;

/// <summary>
/// Training steps replayed from one captured step graph (`train --cuda-graph`; docs/PERFORMANCE.md, "Streams and CUDA
/// graphs"). Every step of the batch size uses one input tensor that this class owns: the batch is copied into it, so
/// the graph's first kernels always read the same buffer. Step 1 runs eagerly (it creates what is made once: optimizer
/// moments, the clipping guard, the noise counter, ActNorm's data init); step 2 runs eagerly and traced; step 3 is
/// captured, compared launch by launch with step 2, and run by launching the graph; later steps only copy the batch,
/// launch the graph and read the loss and the flag. The host side of a replayed step is bookkeeping: the noise
/// counter and the optimizer's step counts advance as the captured step advanced them. Every per-step value the step's
/// kernels read (the optimizer's step scalars: learning rate, bias corrections, decay; the noise counter) is uploaded
/// before the step is traced, captured or launched, outside the capture, so the captured kernels read it from the
/// device and the graph replays the multi-tensor optimizer.
/// A capture that fails (a driver error, an allocation, upload or host read inside the step, launches that differ
/// from the traced step's: a per-step value passed as a kernel argument) rewinds what the step advanced on the host,
/// leaves one note "CUDA graph capture failed (…); running eagerly", and every later step runs eagerly.
/// </summary>
public sealed class GraphedTrainingStep : IDisposable
{
    /// <summary>A learning-rate change drops the graph and captures again, this many times before giving up.</summary>
    public const int MaxRecaptures = 3;

    private readonly IComputeBackend _backend;
    private readonly IStepGraphs _graphs;
    private readonly Optimizer _optimizer;
    private readonly DequantizationNoise? _noise;
    private readonly Action<Tensor> _queueStep;
    private readonly Queue<string> _notes = new();
    private Tensor? _input;
    private StepGraph? _graph;
    private int _stepsBeforeGraph;
    private int _recaptures;
    private float _capturedLearningRate;
    private bool _learningRateIsArgument;
    private ulong _noisePerStep;
    private int[] _countsPerStep = [];

    /// <param name="queueStep">The device work of one step on its input, with no host read (the trainer's QueueStep).</param>
    public GraphedTrainingStep(IComputeBackend backend, IStepGraphs graphs, Optimizer optimizer, DequantizationNoise? noise,
                               Action<Tensor> queueStep)
    {
        _backend = backend;
        _graphs = graphs;
        _optimizer = optimizer;
        _noise = noise;
        _queueStep = queueStep;
    }

    /// <summary>Why graphs are off for good (null while they are used or still to be captured).</summary>
    public string? Failure { get; private set; }

    /// <summary>Steps run by launching the graph (the captured step included).</summary>
    public int Replays { get; private set; }

    /// <summary>Kernels in the live graph (0 without one).</summary>
    public int Kernels => _graph?.Kernels ?? 0;

    /// <summary>The next message for the user, if any ("CUDA graph: step 3 captured, 412 kernels").</summary>
    public string? TakeNote() => _notes.TryDequeue(out var note) ? note : null;

    /// <summary>
    /// Queues one step on the batch x and returns true, leaving the loss and flag to <see cref="StepStatus.Fetch"/>;
    /// false when the step must run the ordinary way (graphs off, or a batch of another shape: an epoch's last).
    /// </summary>
    public bool TryQueue(Tensor x)
    {
        if (Failure is not null) return false;
        _input ??= Tensor.EmptyPinned(_backend, x.Shape);
        if (!Shapes.Equal(_input.Shape, x.Shape)) return false;
        _backend.Copy(x.Buffer, _input.Buffer, x.Length);
        if (_graph is not null && _learningRateIsArgument && _optimizer.LearningRate != _capturedLearningRate) Recapture();
        if (Failure is not null) return false;
        if (_graph is not null)
        {
            Replay();
            return true;
        }
        _stepsBeforeGraph++;
        if (_stepsBeforeGraph == 1) Work();
        else if (_stepsBeforeGraph == 2)
        {
            UploadStepValues();
            _graphs.RunTraced(Work);
        }
        else CaptureAndReplay();
        return true;
    }

    /// <summary>
    /// The uploads of a step, queued ahead of it on the stream: the noise counter when the host moved it (an evaluation
    /// between steps), the optimizer's step scalars (the step itself then finds them there and uploads nothing).
    /// </summary>
    private void UploadStepValues()
    {
        _noise?.SyncedCounter(_backend);
        _optimizer.UploadNextStepScalars();
    }

    private void Work()
    {
        using var scope = new TensorScope();
        try
        {
            _queueStep(_input!);
        }
        finally
        {
            _optimizer.ZeroGrad();
        }
    }

    private void CaptureAndReplay()
    {
        ulong noiseBefore = _noise?.Offset ?? 0;
        var countsBefore = _optimizer.StepCounts();
        UploadStepValues();
        try
        {
            _graph = _graphs.Capture(Work);
        }
        catch (GraphCaptureException e)
        {
            // Nothing of the step ran on the device: the host takes back what the step's host code advanced.
            _noise?.Rewind(noiseBefore);
            _optimizer.SetStepCounts(countsBefore);
            Failure = e.Message;
            _notes.Enqueue($"CUDA graph capture failed ({e.Message}); running eagerly");
            Work();
            return;
        }
        _noisePerStep = (_noise?.Offset ?? 0) - noiseBefore;
        var countsAfter = _optimizer.StepCounts();
        _countsPerStep = countsAfter.Zip(countsBefore, (a, b) => a - b).ToArray();
        // The capture's host code already counted this step; the launch below runs it.
        _noise?.Rewind(noiseBefore);
        _optimizer.SetStepCounts(countsBefore);
        _capturedLearningRate = _optimizer.LearningRate;
        // The multi-tensor update reads the learning rate from the step scalars; the per-parameter one takes it as an argument.
        _learningRateIsArgument = !_optimizer.LastStepWasMultiTensor;
        _notes.Enqueue($"CUDA graph: a step of {_graph.Kernels} kernels captured through the {_graphs.GraphDriver} driver; replaying it");
        Replay();
    }

    private void Replay()
    {
        UploadStepValues();
        _graph!.Replay();
        Replays++;
        _noise?.Replayed(_noisePerStep);
        var counts = _optimizer.StepCounts();
        for (int i = 0; i < counts.Length; i++) counts[i] += counts[i] >= 0 ? _countsPerStep[i] : 0;
        _optimizer.SetStepCounts(counts);
    }

    // The learning rate is a kernel argument of the per-parameter optimizer: a schedule's new rate needs a new graph.
    private void Recapture()
    {
        _graph!.Dispose();
        _graph = null;
        _recaptures++;
        if (_recaptures > MaxRecaptures)
        {
            Failure = $"the learning rate changed {_recaptures} times; each change needs a new capture";
            _notes.Enqueue($"CUDA graph capture failed ({Failure}); running eagerly");
            return;
        }
        _stepsBeforeGraph = 1; // the next step is traced, the one after captured
    }

    public void Dispose()
    {
        _graph?.Dispose();
        _graph = null;
        _input?.Dispose();
        _input = null;
    }
}

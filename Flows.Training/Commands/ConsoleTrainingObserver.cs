using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>Draws training progress: steps, images/s, time left and the current bits/dim.</summary>
public sealed class ConsoleTrainingObserver : ITrainingObserver
{
    private ProgressBar? _bar;
    private int _batchSize;

    public ConsoleTrainingObserver(int batchSize) => _batchSize = batchSize;

    public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start)
    {
        Console.Error.WriteLine($"training: {totalSteps} steps ({stepsPerEpoch} per epoch), starting at step {start.GlobalStep}");
        _bar = new ProgressBar("train", totalSteps, "steps");
    }

    public void OnStep(TrainingState state, double trainBitsPerDim, double imagesPerSecond) =>
        _bar?.Report(state.GlobalStep, $"{imagesPerSecond:F1} img/s  bpd {trainBitsPerDim:F3}",
                     imagesPerSecond > 0 ? imagesPerSecond / _batchSize : null);

    public void OnEvaluation(int epoch, double testBitsPerDim) =>
        Console.Error.WriteLine($"epoch {epoch}: test bits/dim {testBitsPerDim:F4} (eval mode)");

    public void OnMessage(string message) => Console.Error.WriteLine(message);
}

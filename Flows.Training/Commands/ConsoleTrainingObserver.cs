using Flows.Core.Training;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>Draws training progress: steps, samples/s, time left and the current loss (bits/dim, or nats for vectors).</summary>
public sealed class ConsoleTrainingObserver : ITrainingObserver
{
    private ProgressBar? _bar;
    private readonly int _batchSize;
    private readonly string _unit;

    public ConsoleTrainingObserver(int batchSize, string unit = "bits/dim")
    {
        _batchSize = batchSize;
        _unit = unit;
    }

    private string Short => _unit == "bits/dim" ? "bpd" : _unit;

    public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start)
    {
        Console.Error.WriteLine($"training: {totalSteps} steps ({stepsPerEpoch} per epoch), starting at step {start.GlobalStep}");
        _bar = new ProgressBar("train", totalSteps, "steps");
    }

    public void OnStep(TrainingState state, double trainBitsPerDim, double imagesPerSecond) =>
        _bar?.Report(state.GlobalStep, $"{imagesPerSecond:F1} {(_unit == "bits/dim" ? "img" : "vec")}/s  {Short} {trainBitsPerDim:F3}",
                     imagesPerSecond > 0 ? imagesPerSecond / _batchSize : null);

    public void OnEvaluation(int epoch, double testBitsPerDim) =>
        Console.Error.WriteLine($"epoch {epoch}: test {_unit} {testBitsPerDim:F4} (eval mode)");

    public void OnMessage(string message) => Console.Error.WriteLine(message);
}

namespace Flows.Core.Training;

/// <summary>What a training run reports as it goes; the command-line app draws a progress bar from it.</summary>
public interface ITrainingObserver
{
    void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start);

    void OnStep(TrainingState state, double trainBitsPerDim, double imagesPerSecond);

    void OnEvaluation(int epoch, double testBitsPerDim);

    void OnMessage(string message);
}

/// <summary>An observer that ignores everything (tests, benchmarks).</summary>
public sealed class SilentObserver : ITrainingObserver
{
    public static readonly SilentObserver Instance = new();
    public void OnStart(int totalSteps, int stepsPerEpoch, TrainingState start) { }
    public void OnStep(TrainingState state, double trainBitsPerDim, double imagesPerSecond) { }
    public void OnEvaluation(int epoch, double testBitsPerDim) { }
    public void OnMessage(string message) { }
}

namespace Flows.Training.Experiments;

/// <summary>
/// How big the comparison's models and runs are: <see cref="Cpu"/> sizes them so the whole comparison runs in
/// about an hour on two CPU cores; <see cref="Paper"/> uses the paper's configurations and epochs (a GPU job).
/// </summary>
public enum ExperimentScale
{
    Cpu,
    Paper,
}

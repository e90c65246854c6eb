using Flows.Kernels.Devices;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows devices`: which compute devices this machine offers.</summary>
public static class DevicesCommand
{
    public static CommandSpec Spec { get; } = new("devices", "List the compute devices found on this machine.", [], _ =>
    {
        foreach (var line in ComputeDevices.Describe()) Console.WriteLine(line);
        return 0;
    });
}

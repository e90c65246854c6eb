using Flows.Core;
using Flows.Core.Checkpoints;
using Flows.Core.Data;
using Flows.Core.Training;
using Flows.Kernels.Devices;
using Flows.Training.Cli;
using Flows.Training.Commands;

namespace Flows.Training;

/// <summary>
/// The command-line app. Errors a user can cause end in one line on stderr that names the problem and the fix,
/// with a non-zero exit code: 2 usage, 3 data, 4 checkpoint, 5 device, 6 numerical divergence, 7 an output file
/// that could not be written (full disk, unwritable folder), 1 other.
/// </summary>
public static class Program
{
    /// <summary>The app's commands on the shared command-line layer (Cli/CommandLineApp.cs).</summary>
    public static CommandLineApp App { get; } = new("flows",
        "flows: normalizing flows from scratch (\"Why Normalizing Flows Fail to Detect OOD Data\"). With no command: the main job, 'run'.",
        CommandCatalog.All, MainJobCommand.Spec, typeof(Program).Assembly);

    public static int Main(string[] args)
    {
        try
        {
            return App.Run(args);
        }
        catch (UsageException e) { return Fail(2, e.Message); }
        catch (DataException e) { return Fail(3, e.Message); }
        catch (CheckpointException e) { return Fail(4, e.Message); }
        catch (DeviceUnavailableException e) { return Fail(5, e.Message); }
        catch (TrainingDivergedException e) { return Fail(6, e.Message); }
        catch (NumericalException e) { return Fail(6, e.Message); }
        catch (ArgumentException e) { return Fail(2, e.Message); }
        catch (OutputWriteException e) { return Fail(7, e.Message); }
        catch (IOException e) { return Fail(1, $"{e.Message} (check the path and free disk space)"); }
        catch (UnauthorizedAccessException e) { return Fail(1, $"{e.Message} (pick a folder you can write, e.g. with --out)"); }
    }

    private static int Fail(int code, string message)
    {
        Console.Out.Flush();
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}

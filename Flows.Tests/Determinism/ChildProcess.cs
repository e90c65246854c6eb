using System.Diagnostics;
using System.Text;
using Flows.Core.Data;
using Flows.Tests.Data;

namespace Flows.Tests.Determinism;

/// <summary>
/// The real command-line app in a child process (`dotnet flows.dll …` from the test's own output folder, where
/// the build copies Flows.Training), with FLOWS_DATA passed through, stdout and stderr captured, and a time limit.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _err = new();
    private readonly string _commandLine;

    private ChildProcess(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
    }

    public static string AppPath
    {
        get
        {
            var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "flows.dll");
            if (!File.Exists(path))
                Assert.Fail($"the app is not built next to the tests ({path} is missing); Flows.Tests references Flows.Training, so a build of Flows.Tests puts it there");
            return path;
        }
    }

    /// <summary>Starts `flows ARGS` with FLOWS_DATA set to the real data folder (the test is ignored without one).</summary>
    public static ChildProcess Start(params string[] args)
    {
        var data = RealData.Folder();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(AppPath);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment[DataDirectory.EnvironmentVariable] = data;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process, "flows " + string.Join(' ', args));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (child._out) child._out.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (child._err) child._err.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs `flows ARGS` to the end and fails the test with its output unless it exits with 0.</summary>
    public static void Run(TimeSpan limit, params string[] args)
    {
        using var child = Start(args);
        child.WaitForExit(limit, expectSuccess: true);
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            string o, e;
            lock (_out) o = _out.ToString();
            lock (_err) e = _err.ToString();
            return $"{_commandLine}\n--- stdout ---\n{o}--- stderr ---\n{e}";
        }
    }

    public void WaitForExit(TimeSpan limit, bool expectSuccess)
    {
        if (!_process.WaitForExit(limit))
        {
            Kill();
            Assert.Fail($"timed out after {limit.TotalSeconds:0} s: {Output}");
        }
        _process.WaitForExit(); // drains the redirected streams
        if (expectSuccess && _process.ExitCode != 0)
            Assert.Fail($"exit code {_process.ExitCode}: {Output}");
    }

    /// <summary>SIGKILL on Unix: no handler runs, no finally block, no checkpoint on the way out.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

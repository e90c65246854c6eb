using Spectre.Console;
using Spectre.Console.Rendering;

namespace Flows.Training.Cli;

/// <summary>
/// Draws Spectre tables on whatever Console.Out is now. AnsiConsole.Write binds to the Console.Out of its
/// first use, so a redirected or replaced output (tests, a host application) would be missed or, once
/// disposed, throw.
/// </summary>
public static class Terminal
{
    public static void Write(IRenderable renderable) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }).Write(renderable);
}

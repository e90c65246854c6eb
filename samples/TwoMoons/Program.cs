using System.Diagnostics;
using Flows.Kernels.Cpu;
using SixLabors.ImageSharp.PixelFormats;
using TwoMoons;

// Trains a small RealNVP on two moons and writes samples (orange) over data (blue) as a PNG.
// Usage: dotnet run --project samples/TwoMoons [output.png]
string output = args.Length > 0 ? args[0]
    : Path.Combine(Directory.Exists(Path.Combine("samples", "TwoMoons")) ? Path.Combine("samples", "TwoMoons", "out") : "out", "two_moons.png");
const int steps = 2000, seed = 7;

using var backend = new ManagedCpuBackend();
using var trainer = new TwoMoonsTrainer(backend, seed);
Console.WriteLine($"two moons: {trainer.Flow.ParameterCount()} parameters, batch {trainer.BatchSize}, {steps} Adam steps on {backend.DeviceDescription}");
var clock = Stopwatch.StartNew();
double running = 0;
for (int step = 1; step <= steps; step++)
{
    running += trainer.Step();
    if (step % 100 == 0)
    {
        Console.WriteLine($"step {step,5}  loss {running / 100:F4} nats  ({clock.Elapsed.TotalSeconds:F1} s)");
        running = 0;
    }
}
float heldOut = trainer.Evaluate(4096, seed + 1);
var data = new TwoMoonsData(seed + 2).Next(2000);
var samples = trainer.Sample(2000, seed: 99);
ScatterPlot.Save(output, 3.0, 512, (data, new Rgba32(40, 90, 200)), (samples, new Rgba32(240, 130, 20)));
Console.WriteLine($"done: held-out NLL {heldOut:F4} nats in {clock.Elapsed.TotalSeconds:F1} s; samples vs data written to {Path.GetFullPath(output)}");

using Flows.Core.Api;
using OodScoring;

// A newcomer's tour of Flows.Core.Api: calibrate a trained flow on in-distribution images, then flag the OOD images
// of a folder. `export` writes images of a registered data set as PNGs, to have folders to try it on.
const string Usage = """
    usage:
      OodScoring check --checkpoint PATH --calibration DIR|SET --images DIR [--target-tpr 0.95] [--scores ll,typicality,complexity]
                       [--primary NAME] [--calibration-count 500] [--device cpu|auto|cuda] [--data-dir DIR] [--resize]
      OodScoring export --data SET --split train|test --count N --out DIR [--start 0] [--data-dir DIR]
    SET is a registered data set (e.g. fashionmnist, mnist) read from --data-dir or FLOWS_DATA, never downloaded.
    """;

try
{
    var options = Options.Parse(args.Skip(1));
    return args.FirstOrDefault() switch
    {
        "check" => CheckCommand.Run(options),
        "export" => ExportCommand.Run(options),
        _ => Fail(Usage),
    };
}
catch (Exception e) when (e is OodDetectorException or OptionException or Flows.Core.Data.DataException)
{
    return Fail("error: " + e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}

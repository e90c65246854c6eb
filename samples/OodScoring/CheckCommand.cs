using System.Globalization;
using Flows.Core.Api;
using Flows.Core.Data;

namespace OodScoring;

/// <summary>`check`: load a checkpoint, calibrate on in-distribution images, score a folder, print every score and the decision.</summary>
public static class CheckCommand
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static int Run(Options options)
    {
        string folder = options.Required("images");
        if (!Directory.Exists(folder)) throw new OptionException($"--images {folder} is not a folder");
        var files = Directory.GetFiles(folder).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new OptionException($"--images {folder} holds no PNG, JPEG or BMP files");

        using var detector = OodDetector.Load(options.Required("checkpoint"), new OodDetectorOptions
        {
            Device = options.String("device") ?? "cpu",
            Scores = options.String("scores")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            PrimaryScore = options.String("primary"),
            ResizeImages = options.Flag("resize"),
        });
        Console.WriteLine($"model: {detector.ModelName} trained on {detector.TrainedOn}; takes {detector.InputDescription}; device {detector.Device}");

        var calibration = Calibrate(detector, options);
        Console.WriteLine($"calibrated on {calibration.Count} in-distribution images:");
        foreach (var s in calibration.Scores)
            Console.WriteLine($"  {s.Name,-11} {s.Threshold.Rule} (keeps {s.TargetTpr:P0} of them)");

        var results = detector.ScoreFiles(files);
        Console.WriteLine();
        Console.WriteLine(string.Join("  ", new[] { $"{"image",-24}" }.Concat(detector.ScoreNames.Select(n => $"{n + " (p)",22}")).Append("OOD")));
        foreach (var r in results)
        {
            var cells = r.Scores.Select(s => $"{Fmt(s.Value)} ({s.PValue:F3}){(s.IsOod == true ? "*" : " ")}");
            Console.WriteLine(string.Join("  ", new[] { $"{Path.GetFileName(r.Source),-24}" }.Concat(cells.Select(c => $"{c,22}")).Append(r.IsOod == true ? "yes" : "no")));
        }
        int flagged = results.Count(r => r.IsOod == true);
        Console.WriteLine();
        Console.WriteLine($"* = that score's threshold rejects the image; OOD = the {detector.PrimaryScore} score's decision");
        Console.WriteLine($"flagged {flagged} of {results.Count} images as OOD");
        return 0;
    }

    // A folder of image files, or the last N training images of a registered data set (unseen when the model was
    // trained with --train-limit below the set's size minus N).
    private static OodCalibration Calibrate(OodDetector detector, Options options)
    {
        string source = options.Required("calibration");
        double tpr = options.Double("target-tpr", 0.95);
        if (Directory.Exists(source))
            return detector.Calibrate(Directory.GetFiles(source).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal), tpr);
        int count = options.Int("calibration-count", 500);
        var train = DatasetLoader.Load(source, DatasetSplit.Train, new DataOptions { DataDir = options.String("data-dir"), Offline = true });
        count = Math.Clamp(count, 1, train.Count);
        Console.WriteLine($"calibration: the last {count} training images of {train.Name}");
        return detector.Calibrate(train.Take(train.Count - count, count), tpr);
    }

    private static string Fmt(double v) => v.ToString(Math.Abs(v) >= 1000 ? "F0" : "F2", CultureInfo.InvariantCulture);
}

using System.Reflection;

namespace Flows.Core.Features;

/// <summary>
/// Where the ResNet-18 ONNX files are (docs/FEATURES.md, "The model file"). They ship in the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, which Flows.Core references for its path only; the
/// package folder found at build time is baked into the assembly. In order: an explicit folder, the
/// FLOWS_RESNET18_DIR environment variable, the baked-in package folder. A folder may be the package root
/// (tools/DnnImageModels/…) or hold the two files directly.
/// </summary>
public sealed record ResNetModelFiles(string ResNetPath, string PreprocessPath)
{
    /// <summary>The environment variable that overrides the baked-in package folder.</summary>
    public const string EnvironmentVariable = "FLOWS_RESNET18_DIR";

    /// <summary>The network's file name.</summary>
    public const string ResNetFile = "ResNet18.onnx";

    /// <summary>The preprocessing graph's file name.</summary>
    public const string PreprocessFile = "ResNetPreprocess.onnx";

    /// <summary>The package folder recorded at build time (empty when the build did not restore the package).</summary>
    public static string BakedPackageFolder =>
        typeof(ResNetModelFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Flows.ResNet18PackageDir")?.Value ?? "";

    /// <summary>Finds both files, or throws one <see cref="FileNotFoundException"/> that says where it looked and how to fix it.</summary>
    public static ResNetModelFiles Locate(string? folder = null)
    {
        string? source = null;
        if (!string.IsNullOrWhiteSpace(folder)) source = $"the folder given ({folder})";
        else if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env) { folder = env; source = $"{EnvironmentVariable}={env}"; }
        else if (BakedPackageFolder.Length > 0) { folder = BakedPackageFolder; source = $"the NuGet package folder recorded at build time ({folder})"; }
        if (folder is null || source is null)
            throw new FileNotFoundException($"the ResNet-18 ONNX files are not located: run `dotnet restore` (package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1) or set {EnvironmentVariable} to a folder holding {ResNetFile} and {PreprocessFile}");
        var resnet = Find(folder, Path.Combine("tools", "DnnImageModels", "ResNet18Onnx"), ResNetFile);
        var prep = Find(folder, Path.Combine("tools", "DnnImageModels", "ResNetPrepOnnx"), PreprocessFile);
        if (resnet is null || prep is null)
            throw new FileNotFoundException(
                $"{(resnet is null ? ResNetFile : PreprocessFile)} is not in {source}: run `dotnet restore` to fetch the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, or set {EnvironmentVariable} to a folder holding {ResNetFile} and {PreprocessFile} (e.g. copied from that package's tools/DnnImageModels)");
        return new ResNetModelFiles(resnet, prep);
    }

    private static string? Find(string folder, string packageSubfolder, string file) =>
        new[] { Path.Combine(folder, packageSubfolder, file), Path.Combine(folder, file) }.FirstOrDefault(File.Exists);
}

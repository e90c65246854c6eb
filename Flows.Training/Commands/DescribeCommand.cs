using Flows.Core.Flows;
using Flows.Kernels.Cpu;
using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>`flows describe`: the layers of a model with their shapes, and its parameter count.</summary>
public static class DescribeCommand
{
    public static CommandSpec Spec { get; } = new("describe",
        "Print a model's layers with their shapes and a last line 'parameters: N' (or, with --json, one JSON object). Defaults are the paper's for the image shape.",
        [
            new("model", "NAME", "model: " + string.Join(", ", ModelConfig.ModelNames), Required: true),
            new("image", "CxHxW", "image shape, e.g. 1x28x28 or 3x32x32"),
            new("scales", "S", "RealNVP scales / Glow levels"),
            new("blocks", "B", "residual blocks per st-network"),
            new("mid", "M", "st-network width"),
            new("K", "K", "Glow steps per level"),
            new("latent", "L", "bottleneck size (realnvp-resnetae, realnvp-ae)"),
            new("st-type", "TYPE", "st-network: " + string.Join(", ", StNetworkCatalog.Names)),
            new("dim", "D", "tabular: input size"),
            new("hidden", "H", "tabular: hidden width"),
            new("layers", "N", "tabular: hidden layers; Glow: highway layers"),
            new("couplings", "K", "tabular: coupling layers"),
            new("json", null, "print the description as one JSON object (layers, shapes, parameters) instead of text"),
        ],
        Run);

    private static int Run(ParsedArgs args)
    {
        args.Required("model");
        var config = ModelConfig.FromOptions(args.Values);
        using var backend = new ManagedCpuBackend();
        var model = FlowModels.Create(config, backend, seed: 0);
        Console.Write(args.Flag("json") ? FlowDescriptionJson.Format(model, config.Image) : FlowDescription.Format(model, config.Image));
        return 0;
    }
}

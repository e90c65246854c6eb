using Flows.Training.Cli;

namespace Flows.Training.Commands;

/// <summary>Every sub-command of the app, in the order `flows --help` lists them.</summary>
public static class CommandCatalog
{
    public static IReadOnlyList<CommandSpec> All { get; } =
    [
        MainJobCommand.Spec,
        TrainCommand.Spec,
        OodCommand.Spec,
        SampleCommand.Spec,
        InspectCommand.Spec,
        AttributeCommand.Spec,
        FeaturesCommand.Spec,
        ExperimentsCommand.Spec,
        DescribeCommand.Spec,
        DataCommand.Spec,
        ReportCommand.Spec,
        DevicesCommand.Spec,
    ];
}

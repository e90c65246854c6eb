using Flows.Core.Flows;

namespace Flows.Core.Training;

/// <summary>The optimizer of a training configuration with the paper's parameter groups (docs/MODELS.md §5.2).</summary>
public static class OptimizerFactory
{
    public static Optimizer Create(FlowModel model, TrainingConfig config)
    {
        float wd = (float)config.WeightDecay, clip = (float)config.ClipNorm;
        var groups = config.DecayGroups == "weight_g"
            ? ParameterGroups.RealNvpStyle(model, wd, clip)
            : ParameterGroups.Single(model, wd, clip);
        return config.Optimizer switch
        {
            "adam" => new Adam(groups, (float)config.LearningRate),
            "adamw" => new AdamW(groups, (float)config.LearningRate),
            "rmsprop" => new RmsProp(groups, (float)config.LearningRate),
            _ => throw new ArgumentException($"unknown optimizer '{config.Optimizer}'; use adam, adamw or rmsprop"),
        };
    }
}

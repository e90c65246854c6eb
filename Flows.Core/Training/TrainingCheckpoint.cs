using System.Text.Json;
using Flows.Core.Checkpoints;
using Flows.Core.Flows;

namespace Flows.Core.Training;

/// <summary>
/// A checkpoint in the safetensors format: the model's parameters and buffers under "model.", the optimizer's
/// state under "optimizer.", and in the metadata the model configuration (keys "model.*", readable from
/// PyTorch), the training configuration and the position of the run. Written atomically.
/// </summary>
public sealed class TrainingCheckpoint
{
    public const string FormatTag = "flowsfromscratch.checkpoint.v1";

    private TrainingCheckpoint(string path, TrainingConfig config, TrainingState state, StateDict model, StateDict optimizer)
    {
        Path = path;
        Config = config;
        State = state;
        ModelState = model;
        OptimizerState = optimizer;
    }

    public string Path { get; }
    public TrainingConfig Config { get; }
    public TrainingState State { get; }
    public StateDict ModelState { get; }
    public StateDict OptimizerState { get; }

    public static void Save(string path, FlowModel model, Optimizer? optimizer, TrainingConfig config, TrainingState state)
    {
        var arrays = new List<NamedArray>();
        Add(arrays, "model.", model.StateDict());
        if (optimizer is not null) Add(arrays, "optimizer.", optimizer.ExportState());
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatTag,
            ["training"] = config.ToJson(),
            ["state"] = state.ToJson(),
            ["optimizer"] = optimizer?.Kind ?? "none",
        };
        foreach (var (k, v) in config.Model.ToDictionary()) metadata["model." + k] = v;
        SafeTensorsWriter.Write(path, arrays, metadata);
    }

    /// <summary>Reads and checks a checkpoint; a foreign, truncated or damaged file is a CheckpointException.</summary>
    public static TrainingCheckpoint Load(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, $"checkpoint '{path}' does not exist; train one with 'flows train --out DIR' or pass the path of an existing checkpoint.safetensors");
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue("format", out var format) || format != FormatTag)
            throw new CheckpointException(path, $"'{path}' is a safetensors file but not a FlowsFromScratch checkpoint (no '{FormatTag}' tag); pass a checkpoint written by 'flows train'");
        TrainingConfig config;
        TrainingState state;
        try
        {
            config = TrainingConfig.FromJson(file.Metadata.GetValueOrDefault("training") ?? throw new ArgumentException("no training configuration"));
            state = TrainingState.FromJson(file.Metadata.GetValueOrDefault("state") ?? throw new ArgumentException("no training state"));
            config.ValidateMetadata();
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException or OverflowException)
        {
            throw new CheckpointException(path, $"checkpoint '{path}' has damaged metadata ({e.Message}); pick another checkpoint", e);
        }
        var model = new StateDict();
        var optimizer = new StateDict();
        foreach (var array in file.Tensors)
        {
            if (array.DType != SafeTensorDType.F32)
                throw new CheckpointException(path, $"checkpoint '{path}': tensor '{array.Name}' is {array.DType}, expected F32");
            if (array.Name.StartsWith("model.", StringComparison.Ordinal))
                model.Add(array.Name["model.".Length..], array.ShapeInt32(), array.AsFloat32());
            else if (array.Name.StartsWith("optimizer.", StringComparison.Ordinal))
                optimizer.Add(array.Name["optimizer.".Length..], array.ShapeInt32(), array.AsFloat32());
            else
                throw new CheckpointException(path, $"checkpoint '{path}': unexpected tensor '{array.Name}'");
        }
        return new TrainingCheckpoint(path, config, state, model, optimizer);
    }

    /// <summary>Copies the saved weights into a model built from the same configuration.</summary>
    public void LoadModelInto(FlowModel model)
    {
        try { model.LoadStateDict(ModelState); }
        catch (StateDictMismatchException e)
        {
            throw new CheckpointException(Path, $"checkpoint '{Path}' does not match model '{model.Config.Name}': {e.Message}", e);
        }
    }

    public void LoadOptimizerInto(Optimizer optimizer)
    {
        try { optimizer.ImportState(OptimizerState); }
        catch (StateDictMismatchException e)
        {
            throw new CheckpointException(Path, $"checkpoint '{Path}': {e.Message}; start a new run instead of --resume", e);
        }
    }

    private static void Add(List<NamedArray> arrays, string prefix, StateDict dict)
    {
        foreach (var name in dict.Names)
        {
            var e = dict[name];
            arrays.Add(new NamedArray(prefix + name, e.Shape.Select(d => (long)d).ToArray(), e.Values));
        }
    }
}

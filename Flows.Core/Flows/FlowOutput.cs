namespace Flows.Core.Flows;

/// <summary>What a flow layer returns in either direction: the mapped tensor and log|det J| per sample (shape [N]).</summary>
public readonly record struct FlowOutput(Tensor Value, Tensor LogDet);

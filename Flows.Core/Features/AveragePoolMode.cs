namespace Flows.Core.Features;

/// <summary>
/// How an ONNX AveragePool node runs. The ResNet-18 graph ends in a fixed 7×7 AveragePool, which is a global
/// average only when the input is 224×224 (docs/FEATURES.md, "Input size").
/// </summary>
public enum AveragePoolMode
{
    /// <summary>Every AveragePool averages each whole plane (GlobalAveragePool): identical to the graph at 224, defined at every size.</summary>
    Global,
    /// <summary>The node as written; only windows that cover the whole plane without padding are supported (the 224×224 case).</summary>
    AsWritten,
}

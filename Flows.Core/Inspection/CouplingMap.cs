namespace Flows.Core.Inspection;

/// <summary>
/// What one coupling layer did to one image, each map put back into the input's image layout (docs/MODELS.md §7.2):
/// the layer's output (with the channels factored out before it re-joined), exp(s) (1 where nothing is
/// transformed) and t (0 there).
/// </summary>
/// <param name="Number">1-based position among the model's coupling layers.</param>
public sealed record CouplingMap(string Layer, int Number, string MaskKind, HostImage Output, HostImage ExpScale, HostImage Shift);

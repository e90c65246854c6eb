namespace Flows.Core.Inspection;

/// <summary>
/// One additive piece of a flow's log-likelihood: a layer's log-determinant, the prior log-density of one
/// latent piece, or the discretization constant −D·ln 256.
/// </summary>
/// <param name="Name">The layer's dotted name ("body.3", "body.5.coupling"), "prior.k" or "discretization".</param>
/// <param name="Label">A short human label ("coupling 3 (checkerboard)", "prior z2 (2x14x14)").</param>
/// <param name="Kind">dequantize, coupling, actnorm, invconv, prior or constant.</param>
public sealed record AttributionTerm(string Name, string Label, string Kind);

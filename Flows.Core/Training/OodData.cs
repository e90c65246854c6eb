using Flows.Core.Data;

namespace Flows.Core.Training;

/// <summary>
/// The OOD set of a run (flows train --ood-dataset): its test split is scored after every epoch for the AUROC;
/// its train split is the negative set of negative training (docs/MODELS.md §2 E3) and may be null otherwise.
/// </summary>
/// <param name="Train">The OOD training split (needed only for negative training).</param>
/// <param name="Test">The OOD test split.</param>
public sealed record OodData(FlowData? Train, FlowData Test);

namespace Flows.Core.Flows;

/// <summary>
/// How a no-grad pass through a chain of flow layers frees its intermediates as soon as their last reader has run
/// (docs/PERFORMANCE.md, "Memory"). Without a tape nothing reads a layer's temporaries once the layer has returned,
/// so each layer runs in its own <see cref="TensorScope"/> that keeps only its outputs; and the value between two
/// layers, made by the chain itself, is freed once the next layer has read it, unless an output shares its memory.
/// The chain's own input belongs to the caller and is never freed. While recording, nothing changes: the tape needs
/// every intermediate for Backward.
/// </summary>
public static class NoGradLifetime
{
    /// <summary>
    /// step(layer, x) as one link of a chain whose own input is <paramref name="chainInput"/>. Only the plain passes
    /// (<see cref="FlowWalk.Plain"/>, <see cref="FlowWalk.PlainInverse"/>) free early: a walk's step may keep what it
    /// saw inside the layer, so a walk keeps every intermediate until its caller's scope ends.
    /// </summary>
    public static FlowOutput Step(FlowStep step, FlowLayer layer, Tensor x, Tensor chainInput)
    {
        if (Autograd.IsRecording || !IsPlain(step)) return step(layer, x);
        FlowOutput result;
        using (var scope = new TensorScope())
        {
            result = step(layer, x);
            scope.KeepOutput(result.Value);
            scope.KeepOutput(result.LogDet);
        }
        Release(x, chainInput, result.Value, result.LogDet);
        return result;
    }

    /// <summary>Whether a chain runs the plain forward or inverse, so its intermediates may be freed early.</summary>
    public static bool IsPlain(FlowStep step) => step == FlowWalk.Plain || step == FlowWalk.PlainInverse;

    /// <summary>
    /// Under no-grad, frees x once read, unless it is (or shares the memory of) the chain's input or one of the values
    /// still to be read.
    /// </summary>
    public static void Release(Tensor x, Tensor chainInput, params Tensor[] stillRead)
    {
        if (Autograd.IsRecording || x.Pinned || x.IsView || ReferenceEquals(x.Buffer, chainInput.Buffer)) return;
        foreach (var t in stillRead)
            if (ReferenceEquals(t.Buffer, x.Buffer)) return;
        x.Dispose();
    }
}

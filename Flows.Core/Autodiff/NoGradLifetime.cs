using Flows.Core.Flows;

namespace Flows.Core;

/// <summary>
/// How a no-grad pass through a chain of flow layers frees its intermediates as soon as their last reader has run
/// (docs/PERFORMANCE.md, "Memory"). Without a tape nothing reads a layer's temporaries once the layer has returned,
/// so each layer runs in its own <see cref="TensorScope"/> that keeps only its outputs; and the value between two
/// layers, made by the chain itself, is freed once the next layer has read it, unless an output shares its memory.
/// The chain's own input belongs to the caller and is never freed. While recording, nothing changes: the tape needs
/// every intermediate for Backward.
/// </summary>
internal static class NoGradLifetime
{
    /// <summary>layer.Forward(x) (or Inverse) as one link of a chain whose own input is <paramref name="chainInput"/>.</summary>
    public static FlowOutput Step(FlowLayer layer, Tensor x, bool inverse, Tensor chainInput)
    {
        if (Autograd.IsRecording) return inverse ? layer.Inverse(x) : layer.Forward(x);
        FlowOutput result;
        using (var scope = new TensorScope())
        {
            result = inverse ? layer.Inverse(x) : layer.Forward(x);
            scope.KeepOutput(result.Value);
            scope.KeepOutput(result.LogDet);
        }
        Release(x, chainInput, result.Value, result.LogDet);
        return result;
    }

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

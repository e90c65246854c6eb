using Flows.Kernels;

namespace Flows.Core;

/// <summary>
/// Reverse-mode differentiation on a recorded graph (the micrograd idea): every op output remembers its
/// node; Backward walks the nodes in reverse topological order and each node pushes gradients to its inputs.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static int _noGradDepth;

    public static bool IsRecording => _noGradDepth == 0;

    /// <summary>Within the returned scope no op records history (evaluation, sampling, optimizer updates).</summary>
    public static IDisposable NoGrad() => new NoGradScope();

    /// <summary>True when an op on these inputs must record a node.</summary>
    internal static bool ShouldRecord(Tensor a) => IsRecording && a.TracksGrad;

    internal static bool ShouldRecord(Tensor a, Tensor b) => IsRecording && (a.TracksGrad || b.TracksGrad);

    internal static bool ShouldRecord(params Tensor?[] inputs)
    {
        if (!IsRecording) return false;
        foreach (var t in inputs)
            if (t is not null && t.TracksGrad) return true;
        return false;
    }

    internal static void Record(string op, Tensor[] inputs, Tensor output, Action<Tensor> backward) =>
        Record(op, inputs, [output], grads => backward(grads[0]!));

    /// <summary>
    /// Records a node. The backward action receives one gradient per output (null for outputs that got none,
    /// unless every one is null, when it is not called).
    /// </summary>
    internal static void Record(string op, Tensor[] inputs, Tensor[] outputs, Action<Tensor?[]> backward)
    {
        var node = new Node(op, inputs, outputs, backward);
        foreach (var o in outputs) o.Node = node;
    }

    /// <summary>
    /// Adds grad into the gradient of input. With transfer, the caller hands grad over (it is adopted or
    /// disposed); otherwise grad is only read.
    /// </summary>
    internal static void Accumulate(Tensor input, Tensor grad, bool transfer)
    {
        if (grad.Length != input.Length)
            throw new InvalidOperationException($"gradient of shape {Shapes.Format(grad.Shape)} for a tensor of shape {Shapes.Format(input.Shape)}");
        var context = BackwardContext.Current;
        if (input.Node is null && !input.RequiresGrad)
        {
            if (transfer) Discard(grad);
            return;
        }

        Tensor? existing = input.Node is null ? input.Grad : context?.GradientOf(input);
        if (existing is null)
        {
            Tensor adopted;
            if (input is Parameter { GradientSlot: { } own } && ReferenceEquals(grad.Buffer, own))
            {
                // Written straight into the slot by its producer (GradientTarget): adopted as it is, no copy.
                adopted = grad;
            }
            else if (transfer && input.Node is not null && context!.IsShared(grad) && Shapes.Equal(grad.Shape, input.Shape))
            {
                // A holder of a shared gradient (PassThroughBoth): read as it is until something is added into it.
                adopted = grad;
            }
            else if (input is Parameter parameter && !(context?.SlotClaimed(parameter) ?? false) && parameter.GradientInSlot() is { } slot)
            {
                // Flat storage (docs/PERFORMANCE.md, "Multi-tensor optimizers"): the gradient lives in the optimizer's flat buffer.
                adopted = slot;
                input.Backend.Copy(grad.Buffer, slot.Buffer, input.Length);
                if (transfer) Discard(grad);
            }
            else if (transfer && Shapes.Equal(grad.Shape, input.Shape) && !grad.IsView)
            {
                adopted = grad;
            }
            else
            {
                adopted = Tensor.EmptyPinned(input.Backend, input.Shape);
                input.Backend.Copy(grad.Buffer, adopted.Buffer, input.Length);
                if (transfer) Discard(grad);
            }
            adopted.Pinned = true;
            if (input.Node is null) input.Grad = adopted;
            else context!.SetGradient(input, adopted);
        }
        else if (input.Node is not null && context!.IsShared(existing))
        {
            // Copy on write: the sum goes to memory of input's own, in one launch as the addition would be.
            var sum = Tensor.EmptyPinned(input.Backend, input.Shape);
            var all = new Ncs(1, 1, input.Length);
            input.Backend.Binary(BinaryOp.Add, existing.Buffer, all, grad.Buffer, all, sum.Buffer);
            context.SetGradient(input, sum);
            Discard(existing);
            if (transfer) Discard(grad);
        }
        else
        {
            input.Backend.Axpy(1f, grad.Buffer, existing.Buffer, input.Length);
            if (transfer) Discard(grad);
        }
    }

    /// <summary>Disposes a gradient that is no longer needed, releasing its hold on a shared gradient's memory.</summary>
    private static void Discard(Tensor grad)
    {
        BackwardContext.Current?.Release(grad);
        grad.Dispose();
    }

    /// <summary>
    /// Where a backward op should write input's gradient (docs/PERFORMANCE.md, "Launches and host synchronisations per
    /// step"): for a parameter that keeps its gradient in an optimizer's flat slot and has none yet in this Backward, a
    /// view of the slot, so that <see cref="Accumulate"/> adopts it without the copy; otherwise a fresh tensor. The slot
    /// is handed out once per Backward. Pass the result to Accumulate with transfer: true before asking again for the
    /// same input.
    /// </summary>
    internal static Tensor GradientTarget(Tensor input)
    {
        if (input is Parameter { GradientSlot: not null, Grad: null } parameter && BackwardContext.Current is { } context &&
            context.ClaimSlot(parameter))
            return parameter.GradientInSlot()!;
        return Tensor.Empty(input.Backend, input.Shape);
    }

    /// <summary>
    /// Adds a node's incoming gradient, unchanged, into input's gradient without a copy (docs/PERFORMANCE.md,
    /// "Launches and host synchronisations per step"): the first gradient input gets is grad's own memory (handed
    /// over, so Backward's disposal of grad frees nothing), a later one is added in place. The caller must not read
    /// grad afterwards; with several such inputs, every one but the last takes <see cref="Accumulate"/> (transfer: false).
    /// </summary>
    internal static void PassThrough(Tensor input, Tensor grad)
    {
        var context = BackwardContext.Current;
        if (input.Node is not null && context is not null && context.IsShared(grad) && !HasGradient(input))
        {
            Accumulate(input, context.Share(grad, input.Shape)!, transfer: true);
            return;
        }
        if (grad.IsView || !grad.Pinned || (input.Node is null && !input.RequiresGrad) || HasGradient(input))
        {
            Accumulate(input, grad, transfer: false);
            return;
        }
        Accumulate(input, grad.HandOver(input.Shape), transfer: true);
    }

    /// <summary>
    /// Passes a node's incoming gradient, unchanged, to two inputs (an addition's): when neither has a gradient yet, both
    /// hold grad's memory (<see cref="BackwardContext.Share"/>) and it is copied only if one of them is later added into;
    /// otherwise the one that has a gradient gets grad added and the other takes it over (<see cref="PassThrough"/>).
    /// </summary>
    internal static void PassThroughBoth(Tensor a, Tensor b, Tensor grad)
    {
        var context = BackwardContext.Current;
        if (a.Node is not null && b.Node is not null && !HasGradient(a) && !HasGradient(b) && context?.Share(grad, a.Shape) is { } view)
        {
            Accumulate(a, view, transfer: true);
            PassThrough(b, grad);
            return;
        }
        bool aFirst = HasGradient(a) || !HasGradient(b);
        var (first, last) = aFirst ? (a, b) : (b, a);
        Accumulate(first, grad, transfer: false);
        PassThrough(last, grad);
    }

    /// <summary>True when input already holds a gradient in this Backward (adding into it costs no copy).</summary>
    internal static bool HasGradient(Tensor input) =>
        (input.Node is null ? input.Grad : BackwardContext.Current?.GradientOf(input)) is not null;

    /// <summary>Backpropagates from a one-element tensor (the loss); gradients land in the leaves' Grad.</summary>
    public static void Backward(Tensor root)
    {
        if (root.Length != 1)
            throw new InvalidOperationException($"Backward needs a one-element loss, got shape {Shapes.Format(root.Shape)}");
        if (root.Node is null && root.GraphReleased)
            throw new InvalidOperationException("Backward: this loss's graph was already used by an earlier Backward; compute the loss again");
        if (root.Node is null)
            throw new InvalidOperationException("Backward: the loss does not depend on any tensor that requires a gradient");

        var order = TopologicalOrder(root.Node);
        using var context = new BackwardContext();
        var seed = Tensor.EmptyPinned(root.Backend, root.Shape);
        root.Backend.Fill(seed.Buffer, 1f);
        context.SetGradient(root, seed);

        using (NoGrad())
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var node = order[i];
                var grads = new Tensor?[node.Outputs.Length];
                bool any = false;
                for (int k = 0; k < grads.Length; k++)
                {
                    grads[k] = context.TakeGradient(node.Outputs[k]);
                    any |= grads[k] is not null;
                }
                if (any) node.Backward(grads);
                foreach (var g in grads)
                    if (g is not null) Discard(g);
                // Release the graph as we go so closures (and what they hold) can be collected.
                foreach (var o in node.Outputs)
                {
                    o.Node = null;
                    o.GraphReleased = true;
                }
            }
        }
    }

    private static List<Node> TopologicalOrder(Node root)
    {
        var order = new List<Node>();
        var visited = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        // Iterative DFS: flow graphs are deep enough to overflow a recursive walk.
        var stack = new Stack<(Node node, int next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node.Inputs.Length)
            {
                stack.Push((node, next + 1));
                var child = node.Inputs[next].Node;
                if (child is not null && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                order.Add(node);
            }
        }
        return order;
    }

    private sealed class NoGradScope : IDisposable
    {
        private bool _done;
        public NoGradScope() => _noGradDepth++;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _noGradDepth--;
        }
    }
}

namespace Flows.Core;

/// <summary>
/// One recorded op: its inputs, its outputs and how to push the outputs' gradients to the inputs.
/// Ops with several outputs (the coupling gives y and its log-determinant) get one node, called once
/// with the gradient of every output (null where an output got none).
/// </summary>
internal sealed class Node
{
    public Node(string op, Tensor[] inputs, Tensor[] outputs, Action<Tensor?[]> backward)
    {
        Op = op;
        Inputs = inputs;
        Outputs = outputs;
        Backward = backward;
    }

    public string Op { get; }
    public Tensor[] Inputs { get; }
    public Tensor[] Outputs { get; }
    public Action<Tensor?[]> Backward { get; }
}

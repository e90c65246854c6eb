using Flows.Core.Onnx;

namespace Flows.Core.Features;

/// <summary>
/// The preprocessing graph ResNetPreprocess.onnx, read node by node and turned into a host function
/// (docs/FEATURES.md, "Preprocessing"). The file holds Split(axis 1, [1, 1, 1]) → Concat(B, G, R) →
/// Sub(MeanImage): it takes RGB planes with values 0–255 (N×3×224×224, NCHW floats), reorders them to BGR
/// and subtracts a 3×224×224 mean image that varies over space (it is not a per-channel constant). This class
/// accepts exactly that family — channel Splits, channel Concats and the Sub of one constant — and refuses
/// any other node with an <see cref="OnnxFormatException"/>, so a different file cannot be misread.
/// </summary>
public sealed class ResNetPreprocessing
{
    private ResNetPreprocessing(int[] channelOrder, float[] mean, int meanHeight, int meanWidth)
    {
        ChannelOrder = channelOrder;
        Mean = mean;
        MeanHeight = meanHeight;
        MeanWidth = meanWidth;
    }

    /// <summary>Output channel c is input channel ChannelOrder[c] ([2, 1, 0] for RGB → BGR).</summary>
    public IReadOnlyList<int> ChannelOrder { get; }

    /// <summary>The subtracted mean image, 3 planes of MeanHeight × MeanWidth, in output (BGR) channel order.</summary>
    public float[] Mean { get; }

    /// <summary>The mean image's height (224).</summary>
    public int MeanHeight { get; }

    /// <summary>The mean image's width (224).</summary>
    public int MeanWidth { get; }

    /// <summary>True when each mean plane is one constant (then resizing it is trivial). False for the shipped file.</summary>
    public bool MeanIsPerChannelConstant
    {
        get
        {
            int plane = MeanHeight * MeanWidth;
            for (int c = 0; c < 3; c++)
                for (int i = 1; i < plane; i++)
                    if (Mean[c * plane + i] != Mean[c * plane]) return false;
            return true;
        }
    }

    /// <summary>
    /// The mean image at size×size: the 224×224 image itself at 224, else resized with the same bilinear
    /// resize the images get (<see cref="BilinearResize"/>), so that "image − mean" at a smaller size is the
    /// resized version of what the graph computes at 224 (docs/FEATURES.md).
    /// </summary>
    public float[] MeanAt(int size)
    {
        if (size == MeanHeight && size == MeanWidth) return (float[])Mean.Clone();
        var resize = new BilinearResize(MeanHeight, MeanWidth, size, size);
        var result = new float[3 * size * size];
        for (int c = 0; c < 3; c++)
            resize.Resize(Mean.AsSpan(c * MeanHeight * MeanWidth, MeanHeight * MeanWidth), result.AsSpan(c * size * size, size * size));
        return result;
    }

    /// <summary>Reads the graph; refuses anything but channel Split/Concat and one constant Sub.</summary>
    public static ResNetPreprocessing FromGraph(OnnxGraph graph)
    {
        var inputs = graph.RuntimeInputs;
        if (inputs.Count != 1 || graph.Outputs.Count != 1)
            throw new OnnxFormatException($"ONNX preprocessing graph '{graph.Name}': expected one input and one output");
        var constants = graph.Initializers.ToDictionary(t => t.Name);
        // Each value is a list of input channels (a channel selection of the input), or the final difference.
        var channels = new Dictionary<string, int[]> { [inputs[0].Name] = [0, 1, 2] };
        (int[] Order, OnnxTensor Mean)? result = null;
        string? resultName = null;
        foreach (var node in graph.Nodes)
        {
            var at = new NodeAttributes(node);
            int[] In(int i) => channels.TryGetValue(node.Inputs[i], out var c) ? c
                : throw at.Unsupported($"input '{node.Inputs[i]}' (not a channel selection of the graph input)");
            switch (node.OpType)
            {
                case "Split":
                {
                    if (at.Int("axis", 0) != 1) throw at.Unsupported("a Split on an axis other than 1");
                    var source = In(0);
                    var split = at.Ints("split") ?? Enumerable.Repeat((long)source.Length / node.Outputs.Count, node.Outputs.Count).ToList();
                    if (split.Count != node.Outputs.Count || split.Sum() != source.Length) throw at.Unsupported($"split=[{string.Join(", ", split)}]");
                    int at0 = 0;
                    for (int o = 0; o < node.Outputs.Count; o++)
                    {
                        channels[node.Outputs[o]] = source[at0..(at0 + (int)split[o])];
                        at0 += (int)split[o];
                    }
                    break;
                }
                case "Concat":
                    if (at.Int("axis", 0) != 1) throw at.Unsupported("a Concat on an axis other than 1");
                    channels[node.Outputs[0]] = Enumerable.Range(0, node.Inputs.Count).SelectMany(In).ToArray();
                    break;
                case "Sub":
                {
                    var order = In(0);
                    if (node.Inputs.Count != 2 || !constants.TryGetValue(node.Inputs[1], out var mean))
                        throw at.Unsupported("a Sub whose second input is not an initializer");
                    if (order.Length != 3 || mean.Dims.Length != 4 || mean.Dims[0] != 1 || mean.Dims[1] != 3)
                        throw at.Unsupported($"a mean of shape [{string.Join(", ", mean.Dims)}] for {order.Length} channels (expected [1, 3, H, W])");
                    result = (order, mean);
                    resultName = node.Outputs[0];
                    break;
                }
                default:
                    throw new OnnxFormatException($"ONNX preprocessing node '{node.Name}': op type '{node.OpType}' is not supported (expected Split, Concat, Sub)");
            }
        }
        if (result is null || resultName != graph.Outputs[0].Name)
            throw new OnnxFormatException($"ONNX preprocessing graph '{graph.Name}': its output is not the Sub of a mean image");
        var (channelOrder, meanTensor) = result.Value;
        return new ResNetPreprocessing(channelOrder, meanTensor.RequireFloats("MeanImage"), (int)meanTensor.Dims[2], (int)meanTensor.Dims[3]);
    }
}

using Flows.Core.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Flows.Tests.Features;

/// <summary>Small hand-made ONNX models written with our OnnxWriter, and ONNX Runtime runs of them.</summary>
internal static class TinyModels
{
    public static OnnxAttribute Ints(string name, params long[] v) => new() { Name = name, Type = OnnxAttributeType.Ints, Ints = v };
    public static OnnxAttribute Int(string name, long v) => new() { Name = name, Type = OnnxAttributeType.Int, I = v };
    public static OnnxAttribute Float(string name, float v) => new() { Name = name, Type = OnnxAttributeType.Float, F = v };
    public static OnnxAttribute Text(string name, string v) => new() { Name = name, Type = OnnxAttributeType.String, S = System.Text.Encoding.UTF8.GetBytes(v) };

    public static OnnxNode Node(string op, string[] inputs, string output, params OnnxAttribute[] attributes) =>
        new() { Name = op.ToLowerInvariant() + "_" + output, OpType = op, Inputs = inputs, Outputs = [output], Attributes = attributes };

    public static OnnxTensor Floats(string name, long[] dims, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        long count = dims.Aggregate(1L, (a, b) => a * b);
        return new OnnxTensor(name, dims, Enumerable.Range(0, (int)count).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray());
    }

    public static OnnxModel Model(long[] inputDims, long[] outputDims, OnnxNode[] nodes, params OnnxTensor[] initializers) => new()
    {
        IrVersion = 7,
        OpsetImports = [("", 13)],
        Graph = new OnnxGraph
        {
            Name = "tiny",
            Nodes = nodes,
            Initializers = initializers,
            Inputs = [new OnnxValueInfo { Name = "X", ElementType = OnnxDataType.Float, Dims = inputDims }],
            Outputs = [new OnnxValueInfo { Name = nodes[^1].Outputs[0], ElementType = OnnxDataType.Float, Dims = outputDims }],
        },
    };

    public static float[] Input(long[] dims, int seed) => Floats("X", dims, seed).Floats!;

    /// <summary>ONNX Runtime's output for the model bytes.</summary>
    public static float[] Ort(byte[] model, float[] input, long[] dims)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, dims);
        using var run = new RunOptions();
        using var results = session.Run(run, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static double MaxRelativeError(ReadOnlySpan<float> ours, ReadOnlySpan<float> reference)
    {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(ours[i] - reference[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        }
        return maxDiff / maxRef;
    }
}

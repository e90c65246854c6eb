using System.Text;
using Flows.Core.Checkpoints;

namespace Flows.Tests.Checkpoints;

public class SafeTensorsRoundTripTests
{
    [Test]
    public void RoundTripKeepsNamesOrderShapesDataAndMetadata()
    {
        using var dir = new TempDir();
        string path = dir.File("model.safetensors");
        var rng = new Random(1);
        var weight = Enumerable.Range(0, 2 * 3 * 3 * 3).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var tensors = new[]
        {
            new NamedArray("body.0.conv.weight", new[] { 2, 3, 3, 3 }, weight),
            new NamedArray("actnorm.bias", new long[] { 3 }, new[] { float.NaN, float.PositiveInfinity, -0f }),
            new NamedArray("optimizer.step", Array.Empty<int>(), new long[] { 12345678901L }),
            new NamedArray("stats.mean", new[] { 2 }, new[] { Math.PI, -1e-300 }),
            new NamedArray("empty", new[] { 0, 4 }, Array.Empty<float>()),
        };
        var meta = new Dictionary<string, string> { ["model"] = "glow", ["config"] = "{\"K\": 8, \"name\": \"ünï\"}" };

        SafeTensorsWriter.Write(path, tensors, meta);
        var file = SafeTensorsFile.Read(path);

        Assert.That(file.Names, Is.EqualTo(tensors.Select(t => t.Name)));
        Assert.That(file.Metadata, Is.EquivalentTo(meta));
        Assert.That(file["body.0.conv.weight"].Shape, Is.EqualTo(new long[] { 2, 3, 3, 3 }));
        Assert.That(file["body.0.conv.weight"].AsFloat32(), Is.EqualTo(weight));
        var bias = file["actnorm.bias"].AsFloat32();
        Assert.That(float.IsNaN(bias[0]) && float.IsPositiveInfinity(bias[1]) && float.IsNegative(bias[2]), Is.True);
        Assert.That(file["optimizer.step"].Shape, Is.Empty);
        Assert.That(file["optimizer.step"].AsInt64(), Is.EqualTo(new[] { 12345678901L }));
        Assert.That(file["stats.mean"].AsFloat64(), Is.EqualTo(new[] { Math.PI, -1e-300 }));
        Assert.That(file["empty"].Shape, Is.EqualTo(new long[] { 0, 4 }));
        Assert.That(file["empty"].ElementCount, Is.Zero);
    }

    [Test]
    public void LayoutIsByteExactForATinyFile()
    {
        using var dir = new TempDir();
        string path = dir.File("tiny.safetensors");
        SafeTensorsWriter.Write(path,
            new[]
            {
                new NamedArray("w", new[] { 2 }, new[] { 1.0f, -2.0f }),
                new NamedArray("step", Array.Empty<int>(), new long[] { 7 }),
            },
            new Dictionary<string, string> { ["format"] = "pt" });

        // 141 bytes of JSON + 3 spaces = 144 = 0x90, so the data starts at 8 + 144, a multiple of 8.
        const string json = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        var expected = new List<byte> { 0x90, 0, 0, 0, 0, 0, 0, 0 };
        expected.AddRange(Encoding.ASCII.GetBytes(json));
        expected.AddRange("   "u8.ToArray());
        expected.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3f }); // 1.0f
        expected.AddRange(new byte[] { 0x00, 0x00, 0x00, 0xc0 }); // -2.0f
        expected.AddRange(new byte[] { 7, 0, 0, 0, 0, 0, 0, 0 }); // 7L

        Assert.That(json, Has.Length.EqualTo(141));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void EmptyMetadataIsOmittedAndReadsBackEmpty()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        SafeTensorsWriter.Write(path, new[] { new NamedArray("x", new[] { 1 }, new[] { 3f }) });
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, 8);
        Assert.That(header, Does.StartWith("{\"x\""));
        Assert.That(SafeTensorsFile.Read(path).Metadata, Is.Empty);
    }

    [Test]
    public void DuplicateNamesAreRefused()
    {
        using var dir = new TempDir();
        var a = new NamedArray("x", new[] { 1 }, new[] { 1f });
        Assert.That(() => SafeTensorsWriter.Write(dir.File("d.safetensors"), new[] { a, a }),
            Throws.ArgumentException.With.Message.Contains("'x'"));
        Assert.That(Directory.GetFiles(dir.Path), Is.Empty);
    }

    [Test]
    public void ShapeThatDoesNotMatchDataIsRefused()
    {
        Assert.That(() => new NamedArray("x", new[] { 2, 2 }, new float[3]),
            Throws.ArgumentException.With.Message.Contains("4 elements").And.Message.Contains("3"));
    }

    [Test]
    public void MissingArrayNamesTheFileAndTheArray()
    {
        using var dir = new TempDir();
        string path = dir.File("m.safetensors");
        SafeTensorsWriter.Write(path, new[] { new NamedArray("x", new[] { 1 }, new[] { 1f }) });
        var file = SafeTensorsFile.Read(path);
        Assert.That(() => file["y"], Throws.TypeOf<CheckpointException>()
            .With.Message.Contains("'y'").And.Message.Contains(path));
        Assert.That(file.TryGet("x", out var x) && x.AsFloat32()[0] == 1f, Is.True);
    }

    [Test]
    public void WrongTypedAccessorSaysWhichTypeItIs()
    {
        var a = new NamedArray("step", new[] { 1 }, new long[] { 1 });
        Assert.That(() => a.AsFloat32(), Throws.InvalidOperationException.With.Message.Contains("I64"));
    }
}

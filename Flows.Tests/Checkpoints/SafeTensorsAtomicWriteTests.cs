using Flows.Core.Checkpoints;

namespace Flows.Tests.Checkpoints;

public class SafeTensorsAtomicWriteTests
{
    private static IEnumerable<NamedArray> FailingMidway()
    {
        yield return new NamedArray("a", new[] { 4 }, new float[4]);
        throw new InvalidOperationException("simulated crash while collecting parameters");
    }

    [Test]
    public void FailingWriteLeavesOldFileUntouchedAndNoTemporaryFile()
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");
        SafeTensorsWriter.Write(path, new[] { new NamedArray("old", new[] { 2 }, new[] { 1f, 2f }) },
            new Dictionary<string, string> { ["epoch"] = "3" });
        byte[] before = File.ReadAllBytes(path);

        Assert.That(() => SafeTensorsWriter.Write(path, FailingMidway()),
            Throws.InvalidOperationException.With.Message.Contains("simulated crash"));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(dir.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "ckpt.safetensors" }));
        Assert.That(SafeTensorsFile.Read(path).Metadata["epoch"], Is.EqualTo("3"));
    }

    [Test]
    public void FailureInsideTheStreamRemovesTheTemporaryFile()
    {
        using var dir = new TempDir();
        string path = dir.File("x.bin");
        File.WriteAllText(path, "old");
        Assert.That(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full");
        }), Throws.TypeOf<OutputWriteException>().With.Message.Contains(path).And.Message.Contains("disk full").And.Message.Contains("free space"));
        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(1));
    }

    [Test]
    public void OverwriteReplacesTheFileAndCreatesMissingFolders()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "runs", "a", "ckpt.safetensors");
        SafeTensorsWriter.Write(path, new[] { new NamedArray("v", new[] { 1 }, new[] { 1f }) });
        SafeTensorsWriter.Write(path, new[] { new NamedArray("v", new[] { 1 }, new[] { 2f }) });
        Assert.That(SafeTensorsFile.Read(path)["v"].AsFloat32(), Is.EqualTo(new[] { 2f }));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!).Where(f => AtomicFile.IsTemporaryFileName(Path.GetFileName(f))), Is.Empty);
    }
}

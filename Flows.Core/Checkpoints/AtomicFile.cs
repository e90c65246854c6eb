namespace Flows.Core.Checkpoints;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a
/// half-written file: the bytes go to a temporary file in the same folder (same file system, so the
/// rename is atomic), are flushed to the disk, and the temporary file then replaces the target.
/// </summary>
/// <remarks>
/// A writer killed mid-write (kill -9, power loss) cannot remove its temporary file
/// <c>.{name}.{guid}.tmp</c>. Each successful write therefore removes the other temporary files of the same
/// target whose last write is older than <see cref="StaleAfter"/>. A live writer's file is written to as
/// the content streams in, so with two concurrent writers of one target neither removes the other's file
/// unless that writer has not written a byte for <see cref="StaleAfter"/>; should that happen, the slow
/// writer's rename fails and it reports the error, while the target stays whole. Temporary files of other
/// targets in the folder are never touched.
/// </remarks>
public static class AtomicFile
{
    /// <summary>How long a temporary file must have gone unwritten before a later successful write removes it.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Writes through <paramref name="writeContent"/>; on any failure the target is untouched and the temporary file is
    /// removed. An I/O failure (full disk, unwritable folder) becomes an <see cref="OutputWriteException"/> naming the file.
    /// </summary>
    public static void Write(string path, Action<Stream> writeContent)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(writeContent);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException and not OutputWriteException || e is UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new OutputWriteException(path, e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        RemoveStaleTemporaryFiles(full, ".tmp", StaleAfter);
    }

    /// <summary>
    /// Removes the leftovers <c>.{name}.{32 hex digits}{suffix}</c> of <paramref name="target"/> in its folder
    /// whose last write is older than <paramref name="olderThan"/> (the writer is taken to be gone). Files of
    /// other targets and files that vanish or cannot be removed meanwhile are left alone. Returns the paths removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveStaleTemporaryFiles(string target, string suffix, TimeSpan olderThan)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentException.ThrowIfNullOrEmpty(suffix);
        string full = Path.GetFullPath(target);
        string? dir = Path.GetDirectoryName(full);
        var removed = new List<string>();
        if (dir is null || !Directory.Exists(dir))
            return removed;
        string prefix = "." + Path.GetFileName(full) + ".";
        var cutoff = DateTime.UtcNow - olderThan;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(dir, prefix + "*" + suffix).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return removed;
        }
        foreach (var path in candidates)
        {
            var name = Path.GetFileName(path);
            if (!IsLeftoverOf(name, prefix, suffix))
                continue;
            try
            {
                if (File.GetLastWriteTimeUtc(path) >= cutoff)
                    continue;
                File.Delete(path);
                removed.Add(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process removed or holds it; a later write tries again.
            }
        }
        return removed;
    }

    // ".{name}." + 32 hex digits (a Guid in "N" form) + suffix; nothing looser, so other files are never taken.
    private static bool IsLeftoverOf(string fileName, string prefix, string suffix)
    {
        if (fileName.Length != prefix.Length + 32 + suffix.Length
            || !fileName.StartsWith(prefix, StringComparison.Ordinal) || !fileName.EndsWith(suffix, StringComparison.Ordinal))
            return false;
        foreach (char c in fileName.AsSpan(prefix.Length, 32))
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            var bytes = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
            s.Write(bytes);
        });

    /// <summary>True if <paramref name="fileName"/> is a temporary file left by this class (for cleanup tools and tests).</summary>
    public static bool IsTemporaryFileName(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    private static void TryDelete(string temp)
    {
        try
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        catch (IOException)
        {
            // The original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

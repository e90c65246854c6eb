using System.Security.Cryptography;

namespace Flows.Core.Data;

/// <summary>MD5 and SHA-256 of files, both in one pass, as lowercase hex.</summary>
public static class Checksums
{
    public static (string Md5, string Sha256) OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return OfStream(stream);
    }

    public static (string Md5, string Sha256) OfStream(Stream stream)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, n);
            sha.AppendData(buffer, 0, n);
        }
        return (Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    /// <summary>
    /// Null when the file matches every checksum the registry gives, else a description of the first mismatch.
    /// Files with no checksum match by definition; check <see cref="HasChecksum"/> first.
    /// </summary>
    public static string? Mismatch(DatasetFile expected, (string Md5, string Sha256) actual)
    {
        if (expected.Sha256 is not null && !expected.Sha256.Equals(actual.Sha256, StringComparison.OrdinalIgnoreCase))
            return $"sha256 is {actual.Sha256}, expected {expected.Sha256}";
        if (expected.Md5 is not null && !expected.Md5.Equals(actual.Md5, StringComparison.OrdinalIgnoreCase))
            return $"md5 is {actual.Md5}, expected {expected.Md5}";
        return null;
    }

    public static bool HasChecksum(DatasetFile file) => file.Md5 is not null || file.Sha256 is not null;

    /// <summary>"md5+sha256 ok", "md5 ok", ... naming what was checked.</summary>
    public static string Checked(DatasetFile file) =>
        string.Join('+', new[] { file.Md5 is null ? null : "md5", file.Sha256 is null ? null : "sha256" }.OfType<string>()) + " ok";
}

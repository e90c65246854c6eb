using System.Net;
using System.Security.Cryptography;
using Flows.Core.Checkpoints;

namespace Flows.Core.Data;

/// <summary>
/// Fetches a registered data set's missing files into the data folder. Each download goes to a temporary file
/// beside its destination, is checked against the published size and checksums, and only then renamed; any
/// failure (checksum, dropped connection, timeout, cancel) deletes the temporary file, so nothing half-written
/// is ever left where a reader would take it for data. A process killed mid-download (kill -9) cannot delete
/// its <c>.{name}.{guid}.part</c>; the next download of the same file removes such leftovers once they have gone
/// unwritten for <see cref="StalePartAfter"/> (and at least twice the HTTP timeout: a live download's file grows
/// as the bytes arrive, and one that receives nothing for an HTTP timeout deletes its own), and starts afresh
/// rather than resuming: the mirrors do not promise range requests, and the checksums are computed over the
/// whole stream.
/// </summary>
public static class DatasetDownloader
{
    /// <summary>As <see cref="EnsureAsync(DatasetInfo, DatasetSplit?, DataOptions, CancellationToken)"/> for a registry name.</summary>
    public static Task<string> EnsureAsync(string name, DatasetSplit? split, DataOptions options, CancellationToken cancel = default) =>
        EnsureAsync(DatasetRegistry.Get(name), split, options, cancel);

    /// <summary>
    /// Makes sure the files of <paramref name="split"/> (all splits when null) are in the data folder, downloading
    /// the missing ones unless offline. Returns the data set's folder.
    /// </summary>
    public static async Task<string> EnsureAsync(DatasetInfo info, DatasetSplit? split, DataOptions options, CancellationToken cancel = default)
    {
        var folder = Path.Combine(DataDirectory.Resolve(options.DataDir), info.Folder);
        if (info.Format == DatasetFormat.CelebA)
        {
            if (!CelebAReader.HasLayout(folder))
                throw new DataException($"{info.Name} is not in {folder}. {info.ManualDownload?.Replace("{folder}", folder)}");
            return folder;
        }
        var missing = (split is null ? info.Files : info.FilesFor(split.Value))
            .Where(f => !File.Exists(Path.Combine(folder, f.Name)) && !(f.StandIn is { } s && File.Exists(Path.Combine(folder, s.Name))))
            .ToList();
        if (missing.Count == 0)
            return folder;
        if (info.ManualDownload is not null)
            throw new DataException($"{info.Name} is not in {folder}. {info.ManualDownload.Replace("{folder}", folder)}");
        if (options.Offline)
            throw new DataException($"{info.Name} is not in {folder} and downloads are off (offline): put {WhereToGet(info, folder, missing, options)}; or allow downloads");

        using var http = CreateClient(options);
        try
        {
            foreach (var file in missing.Where(f => f.Url is not null))
            {
                var url = Source(file.Url!, options);
                options.Info($"{info.Name}: downloading {url} to {Path.Combine(folder, file.Name)}");
                await DownloadAsync(http, url, Path.Combine(folder, file.Name), file, options, cancel).ConfigureAwait(false);
            }
            var fromArchive = missing.Where(f => f.Url is null).Select(f => f.Name).ToList();
            if (fromArchive.Count > 0)
                await FetchFromArchiveAsync(http, info, folder, fromArchive, options, cancel).ConfigureAwait(false);
        }
        catch (DownloadFailure failure)
        {
            var still = missing.Where(f => !File.Exists(Path.Combine(folder, f.Name))).ToList();
            throw new DataException(
                $"cannot download {info.Name}: {failure.Message}; put {WhereToGet(info, folder, still, options)}; or retry later", failure.InnerException ?? failure);
        }
        return folder;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> to <paramref name="destination"/> through a temporary file, checking the
    /// size and checksums of <paramref name="expected"/>. Network failures throw <see cref="HttpRequestException"/>
    /// or <see cref="IOException"/> wrapped in a DataException; a wrong checksum is a DataException.
    /// </summary>
    public static async Task DownloadFileAsync(Uri url, string destination, DatasetFile expected, DataOptions options, CancellationToken cancel = default)
    {
        using var http = CreateClient(options);
        try
        {
            await DownloadAsync(http, url, destination, expected, options, cancel).ConfigureAwait(false);
        }
        catch (DownloadFailure failure)
        {
            throw new DataException($"cannot download {url}: {failure.Message}; put the file at {destination} by hand, or retry later", failure.InnerException ?? failure);
        }
    }

    private static async Task FetchFromArchiveAsync(HttpClient http, DatasetInfo info, string folder, List<string> names, DataOptions options, CancellationToken cancel)
    {
        var archive = info.Archive ?? throw new InvalidOperationException($"{info.Name} lists files without a source and has no archive");
        var archivePath = Path.Combine(folder, archive.FileName);
        var archiveFile = new DatasetFile(archive.FileName, null, archive.Size, archive.Md5, archive.Sha256, archive.Url);
        if (!File.Exists(archivePath))
        {
            var url = Source(archive.Url, options);
            options.Info($"{info.Name}: downloading {url} to {archivePath}");
            await DownloadAsync(http, url, archivePath, archiveFile, options, cancel).ConfigureAwait(false);
        }
        else
        {
            var mismatch = Checksums.Mismatch(archiveFile, Checksums.OfFile(archivePath));
            if (mismatch is not null)
                throw new DataException($"{archivePath} is not the published archive ({mismatch}); delete it and download it again");
        }
        ArchiveExtractor.Extract(archivePath, archive.MemberFolder, names, folder);
        File.Delete(archivePath);
        options.Info($"{info.Name}: extracted {string.Join(", ", names)} from {archive.FileName} into {folder} and removed the archive");
    }

    /// <summary>How long a <c>.part</c> file must have gone unwritten to count as left by a killed download (at least twice the HTTP timeout).</summary>
    public static readonly TimeSpan StalePartAfter = TimeSpan.FromMinutes(10);

    private static async Task DownloadAsync(HttpClient http, Uri url, string destination, DatasetFile expected, DataOptions options, CancellationToken cancel)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        var staleAfter = StalePartAfter > 2 * options.HttpTimeout ? StalePartAfter : 2 * options.HttpTimeout;
        foreach (var leftover in AtomicFile.RemoveStaleTemporaryFiles(destination, ".part", staleAfter))
            options.Info($"removed {leftover}, left by an interrupted download of {Path.GetFileName(destination)}");
        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.part");
        try
        {
            Directory.CreateDirectory(folder);
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new DownloadFailure($"{url} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            long? announced = response.Content.Headers.ContentLength;
            long? total = announced ?? expected.Size;
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long done = 0;
            await using (var body = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false))
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                var buffer = new byte[1 << 16];
                while (true)
                {
                    stall.CancelAfter(options.HttpTimeout); // restarts the clock: a stalled read times out
                    int n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    md5.AppendData(buffer, 0, n);
                    sha.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), cancel).ConfigureAwait(false);
                    done += n;
                    options.Progress?.Report((done, total));
                    if (expected.Size is long limit && done > limit)
                        throw new DataException($"{url} sent more than the {limit} bytes {expected.Name} has; the server does not serve the published file, nothing was kept");
                }
            }
            if (announced is long promised && done != promised)
                throw new DownloadFailure($"the connection closed after {done} of {promised} bytes of {url}; nothing was kept");
            if (expected.Size is long size && done != size)
                throw new DataException($"{url} sent {done} bytes but {expected.Name} has {size}; the download was deleted. Retry, or get the file from its home page");
            var actual = (Convert.ToHexStringLower(md5.GetHashAndReset()), Convert.ToHexStringLower(sha.GetHashAndReset()));
            var mismatch = Checksums.Mismatch(expected, actual);
            if (mismatch is not null)
                throw new DataException(
                    $"checksum mismatch for {url}: {mismatch}; the download was deleted. The server or a proxy sent another file: retry, or put the right file at {destination}");
            File.Move(temp, destination, overwrite: true);
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
        {
            throw new DownloadFailure($"{url} did not answer within {options.HttpTimeout.TotalSeconds:0} s", e);
        }
        catch (HttpRequestException e)
        {
            throw new DownloadFailure($"{url} is unreachable ({e.Message})", e);
        }
        catch (IOException e) when (e is HttpIOException || e.InnerException is System.Net.Sockets.SocketException)
        {
            throw new DownloadFailure($"the download of {url} broke off ({e.Message}); nothing was kept", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException(
                $"cannot write {destination} ({e.Message}); check the free space and permissions of {folder}, or choose a writable data folder (--data-dir or FLOWS_DATA)", e);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    private static HttpClient CreateClient(DataOptions options)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = options.HttpTimeout, AutomaticDecompression = DecompressionMethods.None };
        var http = new HttpClient(handler) { Timeout = options.HttpTimeout };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("FlowsFromScratch/1.0");
        return http;
    }

    private static Uri Source(string canonical, DataOptions options)
    {
        if (options.MirrorBaseAddress is not { } mirror)
            return new Uri(canonical);
        var fileName = Path.GetFileName(new Uri(canonical).AbsolutePath);
        var baseText = mirror.ToString();
        return new Uri(new Uri(baseText.EndsWith('/') ? baseText : baseText + "/"), fileName);
    }

    // One clause listing each missing file's full path and where it comes from.
    private static string WhereToGet(DatasetInfo info, string folder, IReadOnlyList<DatasetFile> missing, DataOptions options) =>
        string.Join("; ", missing.Select(f =>
        {
            var path = Path.Combine(folder, f.Name);
            if (f.Url is not null)
                return $"{path} (from {Source(f.Url, options)})";
            var archive = info.Archive!;
            return $"{path} (extract {archive.MemberFolder}/{f.Name} from {Source(archive.Url, options)})";
        }));

    /// <summary>A network problem; EnsureAsync turns it into one DataException that says what to put where.</summary>
    private sealed class DownloadFailure(string message, Exception? inner = null) : Exception(message, inner);
}

using System.Net;
using System.Net.Sockets;

namespace Flows.Tests.Data;

/// <summary>
/// A small HTTP server on 127.0.0.1 that serves in-memory files by name, or misbehaves on purpose: drops the
/// connection halfway through a body, or stalls after the first bytes.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    public enum Behaviour
    {
        Serve,
        DropHalfway,
        Stall,
    }

    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (byte[] Body, Behaviour How)> _files = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    public LoopbackServer()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            BaseAddress = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(BaseAddress.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener.Prefixes.Clear(); // another process took the port in between: try another
            }
        }
        _loop = Task.Run(Serve);
    }

    public Uri BaseAddress { get; }

    public int Requests => Volatile.Read(ref _requests);

    public string Url(string name) => new Uri(BaseAddress, name).ToString();

    public void Add(string name, byte[] body, Behaviour how = Behaviour.Serve)
    {
        lock (_files)
            _files[name] = (body, how);
    }

    /// <summary>A port that was free a moment ago (nothing listens on it once this returns).</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        var response = context.Response;
        try
        {
            var name = context.Request.Url!.AbsolutePath.TrimStart('/');
            (byte[] Body, Behaviour How) file;
            bool found;
            lock (_files)
                found = _files.TryGetValue(name, out file);
            if (!found)
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }
            response.ContentLength64 = file.Body.Length;
            switch (file.How)
            {
                case Behaviour.Serve:
                    await response.OutputStream.WriteAsync(file.Body);
                    response.Close();
                    break;
                case Behaviour.DropHalfway:
                    await response.OutputStream.WriteAsync(file.Body.AsMemory(0, file.Body.Length / 2));
                    await response.OutputStream.FlushAsync();
                    response.Abort();
                    break;
                case Behaviour.Stall:
                    await response.OutputStream.WriteAsync(file.Body.AsMemory(0, 16));
                    await response.OutputStream.FlushAsync();
                    await Task.Delay(TimeSpan.FromSeconds(30), _stop.Token).ContinueWith(_ => { });
                    response.Abort();
                    break;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            response.Abort(); // the client went away; nothing to report
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}

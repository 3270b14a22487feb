using System.Diagnostics;
using System.Net;
using System.Net.Http;

namespace WskSharp.Net;

/// <summary>
/// HttpClient over WskConnectEx: a <see cref="SocketsHttpHandler"/> whose connections are <see cref="WskConnection"/>s, and
/// whose first write on a new connection (the HTTP request, or TLS's ClientHello for https) becomes WskConnectEx's buffer,
/// so once the kernel holds a Fast Open cookie for the server, the request rides in the SYN and the response comes back a
/// round trip sooner.
/// </summary>
/// <remarks>
/// The TCP connection is made at that first write, not inside the handler's connect step, but it fails as
/// SocketsHttpHandler's does: a failed connect is an <see cref="HttpRequestException"/> with
/// <see cref="HttpRequestError.ConnectionError"/> whose inner exception is the <see cref="WskException"/> (a
/// <see cref="System.Net.Sockets.SocketException"/> with the same error is in the chain), and the request's cancellation
/// token, <see cref="HttpClient.Timeout"/> and (for <see cref="CreateHandler"/>'s handler) its
/// <see cref="SocketsHttpHandler.ConnectTimeout"/> cancel the pending connect.
/// </remarks>
public static class WskHttp
{
    /// <summary>A handler whose connections are WSK connections made with <paramref name="options"/>; set its other
    /// properties (pooling, TLS, redirects) as on any <see cref="SocketsHttpHandler"/>.</summary>
    /// <param name="options">How connections are made (Fast Open is on by default); null for the defaults.</param>
    /// <param name="connected">Called with each new connection once it is established (e.g. to read its
    /// <see cref="WskConnection.FastOpen"/> result); it runs on the request's path, so keep it short.</param>
    public static SocketsHttpHandler CreateHandler(WskConnectOptions? options = null, Action<WskConnection>? connected = null)
    {
        var handler = new SocketsHttpHandler();
        // Read when each connection is made, so a ConnectTimeout set after this call counts, as on any handler.
        handler.ConnectCallback = CreateConnectCallback(options, connected, () => handler.ConnectTimeout);
        return handler;
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/> behind <see cref="CreateHandler"/>, for a handler made
    /// elsewhere. The callback cannot see that handler's <see cref="SocketsHttpHandler.ConnectTimeout"/>, which therefore
    /// covers only name resolution; the request's cancellation token and <see cref="HttpClient.Timeout"/> cover the handshake.</summary>
    /// <param name="options">How connections are made; null for the defaults.</param>
    /// <param name="connected">Called with each new connection once it is established.</param>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> CreateConnectCallback(
        WskConnectOptions? options = null, Action<WskConnection>? connected = null)
        => CreateConnectCallback(options, connected, connectTimeout: null);

    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> CreateConnectCallback(
        WskConnectOptions? options, Action<WskConnection>? connected, Func<TimeSpan>? connectTimeout)
    {
        WskConnectOptions effective = options ?? WskConnectOptions.Default;
        return async (context, cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(context);
            long started = Stopwatch.GetTimestamp();
            DnsEndPoint endPoint = context.DnsEndPoint;
            IPEndPoint[] candidates = await WskConnection.ResolveAsync(endPoint, effective, cancellationToken).ConfigureAwait(false);
            return new DeferredConnectStream(endPoint, candidates, effective, connected, connectTimeout?.Invoke() ?? Timeout.InfiniteTimeSpan, started);
        };
    }
}

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
/// The TCP connection is made at that first write, not inside the handler's connect step: a connect failure surfaces
/// from the request's send (an <see cref="HttpRequestException"/> whose inner exception is the <see cref="WskException"/>),
/// and <see cref="SocketsHttpHandler.ConnectTimeout"/> covers only name resolution; the request's own cancellation
/// token and timeout cover the handshake.
/// </remarks>
public static class WskHttp
{
    /// <summary>A handler whose connections are WSK connections made with <paramref name="options"/>; set its other
    /// properties (pooling, TLS, redirects) as on any <see cref="SocketsHttpHandler"/>.</summary>
    /// <param name="options">How connections are made (Fast Open is on by default); null for the defaults.</param>
    /// <param name="connected">Called with each new connection once it is established (e.g. to read its
    /// <see cref="WskConnection.FastOpen"/> result); it runs on the request's path, so keep it short.</param>
    public static SocketsHttpHandler CreateHandler(WskConnectOptions? options = null, Action<WskConnection>? connected = null)
        => new() { ConnectCallback = CreateConnectCallback(options, connected) };

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/> behind <see cref="CreateHandler"/>, for a handler made elsewhere.</summary>
    /// <param name="options">How connections are made; null for the defaults.</param>
    /// <param name="connected">Called with each new connection once it is established.</param>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> CreateConnectCallback(
        WskConnectOptions? options = null, Action<WskConnection>? connected = null)
    {
        WskConnectOptions effective = options ?? WskConnectOptions.Default;
        return async (context, cancellationToken) =>
        {
            ArgumentNullException.ThrowIfNull(context);
            DnsEndPoint endPoint = context.DnsEndPoint;
            IPEndPoint[] candidates = await WskConnection.ResolveAsync(endPoint, effective, cancellationToken).ConfigureAwait(false);
            return new DeferredConnectStream(candidates, effective, connected);
        };
    }
}

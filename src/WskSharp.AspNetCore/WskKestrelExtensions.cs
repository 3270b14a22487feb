using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using WskSharp.DependencyInjection;

namespace WskSharp.AspNetCore;

/// <summary>
/// Kestrel with the Linux TCP Fast Open server queue on its listening sockets, so a request that rides in a client's SYN
/// (from <c>WskConnection.ConnectAsync</c>, <c>WskHttp</c>, curl --tcp-fastopen, ...) is accepted with it: the response
/// leaves one round trip sooner. The network namespace's <c>net.ipv4.tcp_fastopen</c> must have the server bit (0x2).
/// </summary>
public static class WskKestrelExtensions
{
    /// <summary>The Fast Open queue length used when none is given: connections whose SYN data was accepted and that the
    /// application has not accepted yet.</summary>
    public const int DefaultFastOpenQueueLength = 256;

    /// <summary>
    /// Turns on the Fast Open queue (<c>TCP_FASTOPEN</c>, 23) on every TCP socket that <see cref="SocketTransportOptions.CreateBoundListenSocket"/>
    /// makes; the socket is still made by the callback set before this one (Kestrel's default if none). Nothing changes for
    /// Unix domain sockets or off Linux.
    /// </summary>
    /// <param name="options">The socket transport's options.</param>
    /// <param name="queueLength">The Fast Open queue length, 1 to 65,535.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="queueLength"/> is not 1 to 65,535.</exception>
    public static SocketTransportOptions UseWskFastOpen(this SocketTransportOptions options, int queueLength = DefaultFastOpenQueueLength)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queueLength, 65_535);
        Func<EndPoint, Socket> create = options.CreateBoundListenSocket ?? SocketTransportOptions.CreateDefaultBoundListenSocket;
        options.CreateBoundListenSocket = endPoint =>
        {
            Socket socket = create(endPoint);
            EnableFastOpen(socket, endPoint, queueLength);
            return socket;
        };
        return options;
    }

    /// <summary>
    /// Kestrel's socket transport with <see cref="UseWskFastOpen(SocketTransportOptions, int)"/> on its listening sockets,
    /// and the app's <see cref="WskSharp.Net.WskNetProvider"/> in the container (<see cref="WskServiceCollectionExtensions.AddWsk"/>):
    /// the listening sockets are Kestrel's own, and the provider serves the app's outgoing WSK connections (HttpClient
    /// with <c>UseWskConnectEx</c>, <c>WskConnection</c> with its <see cref="WskSharp.Net.WskConnectOptions.Provider"/>),
    /// disposed with the host.
    /// </summary>
    /// <param name="builder">The web host builder (e.g. <c>WebApplicationBuilder.WebHost</c>).</param>
    /// <param name="queueLength">The Fast Open queue length, 1 to 65,535.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IWebHostBuilder UseWskFastOpen(this IWebHostBuilder builder, int queueLength = DefaultFastOpenQueueLength)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(queueLength, 65_535);
        return builder.ConfigureServices(services => services.AddWsk()).UseSockets(options => options.UseWskFastOpen(queueLength));
    }

    private static void EnableFastOpen(Socket socket, EndPoint endPoint, int queueLength)
    {
        if (!LinuxTcp.Applies(socket))
        {
            return;
        }

        Span<byte> value = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(value, queueLength);
        try
        {
            socket.SetRawSocketOption(LinuxTcp.Level, LinuxTcp.TcpFastOpen, value);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new InvalidOperationException(
                $"Could not turn on TCP Fast Open (TCP_FASTOPEN, queue {queueLength}) on Kestrel's listening socket {endPoint}: {ex.SocketErrorCode}.", ex);
        }
    }
}

using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests;

/// <summary>
/// A WSK connection socket connected with a plain WskConnect (no Fast Open) to a .NET socket accepted on loopback:
/// the two ends of one TCP connection. Disposing closes the peer and the listener; the WSK socket is closed by the
/// <see cref="WskTestClient"/> that made it.
/// </summary>
internal sealed class LoopbackConnection : IDisposable
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private readonly TcpListener _listener;

    private LoopbackConnection(TcpListener listener, WskSocket socket, Socket peer)
    {
        _listener = listener;
        Socket = socket;
        Peer = peer;
    }

    /// <summary>The WSK end.</summary>
    public WskSocket Socket { get; }

    /// <summary>The .NET end, accepted by the listener.</summary>
    public Socket Peer { get; }

    public WskProviderConnectionDispatch Dispatch => WskTestClient.Connection(Socket);

    /// <summary>Binds a WSK socket of <paramref name="family"/> to loopback and connects it to a listener there.</summary>
    /// <param name="client">The client that makes (and later closes) the WSK socket.</param>
    /// <param name="family">AF_INET or AF_INET6.</param>
    /// <param name="peerReceiveBuffer">SO_RCVBUF for the peer (set on the listener, inherited by the accepted socket): a
    /// small one bounds what the connection can absorb while the peer does not read.</param>
    public static async Task<LoopbackConnection> OpenAsync(WskTestClient client, ushort family = Ws2Def.AF_INET, int? peerReceiveBuffer = null)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var listener = new TcpListener(family == Ws2Def.AF_INET6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0);
        if (peerReceiveBuffer is { } size)
        {
            listener.Server.ReceiveBufferSize = size;
        }

        listener.Start();
        try
        {
            WskSocket socket = client.CreateBoundSocket(family);
            var irp = new Irp();
            NtStatus returned = WskTestClient.Connection(socket).WskConnect(socket, SockAddr.FromEndPoint((IPEndPoint)listener.LocalEndpoint), 0, irp);
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, irp));
            Socket peer = await listener.AcceptSocketAsync(ct).AsTask().WaitAsync(HangGuard, ct);
            return new LoopbackConnection(listener, socket, peer);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes on the peer; fails if the stream ends first.</summary>
    public Task<byte[]> ReadOnPeerAsync(int count) => ReadExactlyAsync(Peer, count);

    /// <summary>Reads exactly <paramref name="count"/> bytes from a .NET socket; fails if the stream ends first.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var buffer = new byte[count];
        int total = 0;
        while (total < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None, ct).AsTask().WaitAsync(HangGuard, ct);
            Assert.True(n > 0, $"the stream ended after {total} of {count} bytes");
            total += n;
        }

        return buffer;
    }

    /// <summary>Reads on the peer until the WSK end closes; returns what arrived.</summary>
    public async Task<byte[]> ReadOnPeerToEndAsync()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var all = new List<byte>();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await Peer.ReceiveAsync(buffer, SocketFlags.None, ct).AsTask().WaitAsync(HangGuard, ct)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n));
        }

        return [.. all];
    }

    public void Dispose()
    {
        Peer.Dispose();
        _listener.Dispose();
    }
}

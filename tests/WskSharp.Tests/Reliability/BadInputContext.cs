using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// The fresh objects one bad-input case works on: its own registration, an <see cref="IrpProbe"/> for the call under
/// test, and (on demand) a .NET peer to connect to. Disposing closes every socket the case made and deregisters.
/// </summary>
internal sealed class BadInputContext : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private TcpListener? _listener;

    public WskTestClient Client { get; } = new();

    /// <summary>The IRP of the call under test.</summary>
    public IrpProbe Probe { get; } = new();

    public Irp Irp => Probe.Irp;

    /// <summary>An IPv4 loopback address where a .NET listener waits.</summary>
    public SockAddr Server
    {
        get
        {
            if (_listener is null)
            {
                _listener = new TcpListener(IPAddress.Loopback, 0);
                _listener.Start();
            }

            return SockAddr.FromEndPoint((IPEndPoint)_listener.LocalEndpoint);
        }
    }

    /// <summary>A loopback port where nothing listens (bound, never listening, so nobody else takes it meanwhile).</summary>
    public SockAddr RefusingServer
    {
        get
        {
            var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _owned.Add(holder);
            return SockAddr.FromEndPoint((IPEndPoint)holder.LocalEndPoint!);
        }
    }

    public T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A WSK connection socket connected to <see cref="Server"/>, and the peer's end.</summary>
    public async Task<(WskSocket Socket, Socket Peer)> ConnectedAsync()
    {
        SockAddr server = Server;
        WskSocket socket = await Client.ConnectAsync(server);
        Socket peer = Own(await _listener!.AcceptSocketAsync(TestContext.Current.CancellationToken));
        return (socket, peer);
    }

    /// <summary>A connected socket with <see cref="Irp"/> pending in a receive on it: the IRP a bad call must leave alone.</summary>
    public async Task<WskSocket> ConnectedWithPendingReceiveAsync()
    {
        var (socket, _) = await ConnectedAsync();
        Assert.Equal(NtStatus.Pending, Conn(socket).WskReceive(socket, new WskBuf(new Mdl(new byte[16])), 0, Irp));
        Probe.Arm(); // A sentinel a bad call would have to overwrite.
        return socket;
    }

    /// <summary>A bound socket whose connect was refused: no longer functional.</summary>
    public async Task<WskSocket> FailedSocketAsync()
    {
        WskSocket socket = Client.CreateBoundSocket();
        var irp = new Irp();
        Assert.Equal(NtStatus.ConnectionRefused, await WskTestClient.Complete(Conn(socket).WskConnect(socket, RefusingServer, 0, irp), irp));
        return socket;
    }

    /// <summary>A socket that WskCloseSocket has closed (the object stays, as a stale pointer would).</summary>
    public WskSocket ClosedSocket(bool bound = true)
    {
        WskSocket socket = bound ? Client.CreateBoundSocket() : Client.CreateSocket();
        Assert.Equal(NtStatus.Success, Conn(socket).Basic.WskCloseSocket(socket, new Irp()));
        return socket;
    }

    public static WskProviderConnectionDispatch Conn(WskSocket socket) => WskTestClient.Connection(socket);

    public static WskProviderStreamDispatch StreamTable => WskProviderStreamDispatch.Instance;

    public void Dispose()
    {
        Client.Dispose(); // First: its pending requests end cancelled, not by the peer's close.
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        _listener?.Dispose();
    }
}

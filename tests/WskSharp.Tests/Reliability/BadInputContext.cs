using System.Net;
using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Tests.Conformance;
using WskSharp.Transport;
using WskSharp.Transport.Simulated;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// The fresh objects one bad-input case works on, on its transport: its own registration, an <see cref="IrpProbe"/>
/// for the call under test, and (on demand) a server to connect to: a .NET listener on Linux, a WSK listener of a second
/// registration on the simulated network. Disposing closes every socket the case made and deregisters.
/// </summary>
internal sealed class BadInputContext : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private TcpListener? _listener;
    private WskTestClient? _serverClient;
    private WskSocket? _serverListener;
    private SockAddr _serverAddress;

    public BadInputContext(TestTransport transport)
    {
        Transport = transport;
        Client = transport.NewClient();
    }

    public TestTransport Transport { get; }

    public WskTestClient Client { get; }

    /// <summary>The IRP of the call under test.</summary>
    public IrpProbe Probe { get; } = new();

    public Irp Irp => Probe.Irp;

    /// <summary>An IPv4 loopback address where a listener waits.</summary>
    public SockAddr Server
    {
        get
        {
            if (Transport.Network is not null)
            {
                if (_serverClient is null)
                {
                    _serverClient = Transport.NewClient();
                    (_serverListener, _serverAddress) = _serverClient.CreateListener();
                }

                return _serverAddress;
            }

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
            if (Transport.Network is { } network)
            {
                IHostSocket holder = HostSocket(network);
                Assert.Equal(NtStatus.Success, holder.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
                Assert.Equal(NtStatus.Success, holder.GetLocalAddress(out SockAddr address));
                return address;
            }

            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _owned.Add(socket);
            return SockAddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
        }
    }

    public T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A WSK connection socket connected to <see cref="Server"/> (the server's end is accepted and kept).</summary>
    public async Task<WskSocket> ConnectedAsync()
    {
        SockAddr server = Server;
        WskSocket socket = await Client.ConnectAsync(server);
        if (_serverClient is not null)
        {
            await _serverClient.AcceptAsync(_serverListener!);
        }
        else
        {
            Own(await _listener!.AcceptSocketAsync(TestContext.Current.CancellationToken));
        }

        return socket;
    }

    /// <summary>A connected socket with <see cref="Irp"/> pending in a receive on it: the IRP a bad call must leave alone.</summary>
    public async Task<WskSocket> ConnectedWithPendingReceiveAsync()
    {
        WskSocket socket = await ConnectedAsync();
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

    /// <summary>A listener whose accept queue is full, so a further SYN is dropped and a connect stays pending; owned by the case.</summary>
    public async Task<SockAddr> FullListenerAsync()
    {
        if (Transport.Network is { } network)
        {
            IHostSocket listener = HostSocket(network);
            Assert.Equal(NtStatus.Success, listener.Bind(SockAddr.Inet([127, 0, 0, 1], 0)));
            Assert.Equal(NtStatus.Success, listener.Listen(0));
            Assert.Equal(NtStatus.Success, listener.GetLocalAddress(out SockAddr address));
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(NtStatus.Pending, HostSocket(network).Connect(address)); // One queued, one held.
            }

            return address;
        }

        FullAcceptQueue full = await FullAcceptQueue.OpenAsync();
        _owned.Add(full);
        return SockAddr.FromEndPoint(full.EndPoint);
    }

    public static WskProviderConnectionDispatch Conn(WskSocket socket) => WskTestClient.Connection(socket);

    public static WskProviderStreamDispatch StreamTable => WskProviderStreamDispatch.Instance;

    /// <summary>A bare host socket of the simulated network (no WSK above it), owned by the case.</summary>
    private IHostSocket HostSocket(SimulatedNetwork network)
    {
        Assert.Equal(NtStatus.Success, network.CreateStack().CreateStreamSocket(Ws2Def.AF_INET, NoEvents.Instance, out IHostSocket? socket));
        return Own(socket!);
    }

    public void Dispose()
    {
        Client.Dispose(); // First: its pending requests end cancelled, not by the peer's close.
        _serverClient?.Dispose();
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        _listener?.Dispose();
    }

    /// <summary>Readiness nobody waits for.</summary>
    private sealed class NoEvents : IHostSocketEvents
    {
        public static readonly NoEvents Instance = new();

        public void OnReady(bool readable, bool writable, bool hangup)
        {
        }
    }
}

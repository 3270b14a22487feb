using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// Load and leaks: N WskConnectEx connections held at once by this process against a WSK listener, each echoing its
/// request; and M sequential WskSocket/WskBind/WskConnectEx/WskCloseSocket cycles after which the descriptors and the
/// managed memory are back at their baseline. Every run (CI included) uses a fifth of the full sizes, 2,000 held and 20,000
/// cycles (about 5 s together); WSKSHARP_STRESS=1 selects the full sizes, 10,000 and 100,000, as the bench's stress command
/// does (bench/README.md, "Load and leaks at full size").
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LoadAndLeakTests
{
    private const int RequestSize = 16;
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    /// <summary>Connections held at once: 2,000 in every run, 10,000 under WSKSHARP_STRESS=1.</summary>
    private static int Connections => ProcessResources.Stress ? 10_000 : 2_000;

    /// <summary>Sequential cycles: 20,000 in every run, 100,000 under WSKSHARP_STRESS=1.</summary>
    private static int Cycles => ProcessResources.Stress ? 100_000 : 20_000;

    /// <summary>Connects in flight at once: below the listen backlog, so no SYN is ever dropped and retransmitted.</summary>
    private const int ConnectsInFlight = 256;

    /// <summary>Managed memory the cycles may leave above their baseline (allocator and runtime noise, not per-cycle state:
    /// a leak of even 100 bytes a cycle would be 2 MB in CI and 10 MB under stress).</summary>
    private const long MemoryTolerance = 256 * 1024;

    [Fact]
    public async Task N_concurrent_WskConnectEx_connections_are_held_at_once_and_each_request_is_echoed()
    {
        int n = Connections;
        ulong bothEnds = (ulong)(2 * n + 2048), clientEnds = (ulong)(n + 2048);
        ulong limit = ProcessResources.RaiseDescriptorLimit(bothEnds);

        // Both ends in this process when its descriptor limit allows; otherwise (a hard limit this process may not raise)
        // the WSK echo server runs in a child process, `wsk serve`, and this process holds the N client ends.
        using var child = limit >= bothEnds ? null : limit >= clientEnds ? ChildEchoServer.TryStart(n) : null;
        if (limit < bothEnds && child is null)
        {
            Assert.Skip($"RLIMIT_NOFILE of this process reaches {limit}: {bothEnds} are needed for both ends here, or {clientEnds} and a built wsk (src/WskSharp.Cli) for a child server");
        }

        int endsHere = child is null ? 2 : 1;
        int fdsBefore = ProcessResources.OpenNetworkDescriptors(); // Sockets: not the assemblies, pipes and epoll the runtime and other tests open and close meanwhile.
        var stopwatch = Stopwatch.StartNew();
        using var registration = new RawClient();
        SockAddr address;
        Task server;
        var echoes = new ConcurrentBag<Task>();
        if (child is not null)
        {
            address = child.Address;
            server = Task.CompletedTask;
        }
        else
        {
            // The server: accept each connection, read its request, write it back; the connection stays open.
            (WskSocket listener, address) = registration.Listener(acceptEvent: null);
            server = Task.Run(async () =>
            {
                for (int i = 0; i < n; i++)
                {
                    var irp = new Irp();
                    NtStatus status = await WskTestClient.Complete(((WskProviderListenDispatch)listener.Dispatch).WskAccept(listener, 0,
                        null, null, null, null, irp), irp);
                    Assert.Equal(NtStatus.Success, status);
                    WskSocket accepted = registration.Track((WskSocket)irp.IoStatus.Pointer!);
                    echoes.Add(EchoAsync(accepted));
                }
            }, TestContext.Current.CancellationToken);
        }

        // The clients: N connections, each WskConnectEx carrying its own request, each reading its echo, all kept open.
        using var gate = new SemaphoreSlim(ConnectsInFlight);
        var clients = new Task<WskSocket>[n];
        for (int i = 0; i < n; i++)
        {
            await gate.WaitAsync(TestContext.Current.CancellationToken);
            clients[i] = ConnectAndCheckEchoAsync(registration, address, i, gate);
        }

        WskSocket[] connected = await Task.WhenAll(clients).WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        await server.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        await Task.WhenAll(echoes).WaitAsync(HangGuard, TestContext.Current.CancellationToken);

        // All N are connected at the same time: each still knows its peer.
        int stillConnected = 0;
        var probe = new Irp();
        foreach (WskSocket socket in connected)
        {
            if (WskTestClient.Connection(socket).WskGetRemoteAddress(socket, out SockAddr remote, probe) == NtStatus.Success && remote == address)
            {
                stillConnected++;
            }
        }

        int fdsHeld = ProcessResources.OpenNetworkDescriptors();
        Assert.Equal(n, stillConnected);
        Assert.Equal(endsHere * n, registration.Client.OpenSockets - (child is null ? 1 : 0)); // And the listener, if here.
        Assert.True(fdsHeld >= fdsBefore + endsHere * n, $"{fdsHeld} descriptors with {n} connections held, {fdsBefore} before");

        registration.Dispose();
        int fdsAfter = await ProcessResources.SettleDescriptorsAsync(fdsBefore, networkOnly: true);
        string served = child is null ? "in this process" : $"by a child `wsk serve`, which echoed {await child.EchoedConnectionsAsync(RequestSize)} connections";
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"held {stillConnected}/{n} connections at once (server {served}); descriptors before {fdsBefore}, held {fdsHeld}, after {fdsAfter}; {stopwatch.Elapsed.TotalSeconds:F1} s; RLIMIT_NOFILE {limit}");
        Assert.True(fdsAfter <= fdsBefore, $"{fdsAfter} descriptors after closing {n} connections, {fdsBefore} before");
        if (child is not null)
        {
            Assert.Equal(n, await child.EchoedConnectionsAsync(RequestSize));
        }
    }

    private static async Task<WskSocket> ConnectAndCheckEchoAsync(RawClient registration, SockAddr server, int index, SemaphoreSlim gate)
    {
        try
        {
            byte[] request = RequestFor(index);
            WskSocket socket = registration.BoundSocket(WskTestClient.Loopback(Ws2Def.AF_INET, 0));
            var irp = new Irp();
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(
                WskTestClient.Connection(socket).WskConnectEx(socket, server, new WskBuf(new Mdl(request)), 0, irp), irp));
            Assert.Equal((nuint)RequestSize, irp.IoStatus.Information);
            Assert.Equal(request, await WskTestClient.ReceiveAsync(socket, RequestSize));
            return socket;
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task EchoAsync(WskSocket accepted)
    {
        byte[] request = await WskTestClient.ReceiveAsync(accepted, RequestSize);
        Assert.Equal(RequestSize, request.Length);
        await WskTestClient.SendAsync(accepted, request);
    }

    /// <summary>A request that says which connection sent it, so an echo crossed between connections would show.</summary>
    private static byte[] RequestFor(int index)
    {
        byte[] request = new byte[RequestSize];
        BinaryPrimitives.WriteInt32LittleEndian(request, index);
        for (int i = 4; i < RequestSize; i++)
        {
            request[i] = (byte)(index * 31 + i);
        }

        return request;
    }

    [Fact]
    public async Task M_sequential_socket_bind_connect_close_cycles_leave_descriptors_and_memory_at_their_baseline()
    {
        int m = Cycles;
        int refused = 0;
        using var registration = new RawClient();
        // The listener refuses every connection in its accept event: the provider closes it, so nothing piles up server side.
        var (_, address) = registration.Listener(acceptEvent: (object? context, uint flags, in SockAddr local, in SockAddr remote,
            WskSocket? socket, out object? acceptContext, out object? acceptDispatch) =>
        {
            acceptContext = null;
            acceptDispatch = null;
            Interlocked.Increment(ref refused);
            return NtStatus.RequestNotAccepted;
        });
        var cycle = new Cycle(registration.Npi);

        await cycle.RunAsync(address, 200); // Warm-up: JIT, pools, the event loop.
        int fdsBefore = ProcessResources.OpenDescriptors();
        long memoryBefore = ProcessResources.ManagedBytesAfterFullCollect();
        var stopwatch = Stopwatch.StartNew();

        await cycle.RunAsync(address, m);

        stopwatch.Stop();
        int fdsAfter = await ProcessResources.SettleDescriptorsAsync(fdsBefore);
        long memoryAfter = ProcessResources.ManagedBytesAfterFullCollect();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{m} cycles in {stopwatch.Elapsed.TotalSeconds:F1} s; descriptors before {fdsBefore}, after {fdsAfter}; managed bytes before {memoryBefore}, after {memoryAfter} ({memoryAfter - memoryBefore:+#;-#;0})");

        Assert.Equal(0, registration.Client.OpenSockets - 1); // Only the listener.
        Assert.True(fdsAfter <= fdsBefore, $"{fdsAfter} descriptors after {m} cycles, {fdsBefore} before");
        Assert.True(memoryAfter - memoryBefore <= MemoryTolerance,
            $"{memoryAfter - memoryBefore} managed bytes more after {m} cycles ({memoryBefore} before, {memoryAfter} after)");
        Assert.True(Volatile.Read(ref refused) > 0, "the listener saw no connection");
    }

    /// <summary>One WskSocket/WskBind/WskConnectEx/WskCloseSocket cycle, with the IRPs reused (IoReuseIrp) as a driver would.</summary>
    private sealed class Cycle(WskProviderNpi npi)
    {
        private readonly Irp _irp = new();

        public async Task RunAsync(SockAddr server, int count)
        {
            for (int i = 0; i < count; i++)
            {
                // Each cycle binds 127.0.0.(2..9): a closed connection leaves its port in TIME_WAIT for a minute, and one
                // loopback address has only ~28,000 ports to bind; eight addresses are enough for 100,000 cycles.
                SockAddr local = SockAddr.Inet([127, 0, 0, (byte)(2 + (i % 8))], 0);
                Assert.Equal(NtStatus.Success, npi.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                    WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, _irp));
                var socket = (WskSocket)_irp.IoStatus.Pointer!;
                var dispatch = WskTestClient.Connection(socket);
                NtStatus bound = dispatch.WskBind(socket, local, 0, _irp);
                NtStatus connected = bound == NtStatus.Success
                    ? await WskTestClient.Complete(dispatch.WskConnectEx(socket, server, null, 0, _irp), _irp)
                    : bound;
                NtStatus closed = dispatch.Basic.WskCloseSocket(socket, _irp);
                Assert.True(connected == NtStatus.Success, $"cycle {i}: bind {bound}, connect {connected}");
                Assert.Equal(NtStatus.Success, closed);
            }
        }
    }

    /// <summary>A registration whose sockets are tracked thread-safely (WskTestClient's list is for one test thread).</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly ConcurrentBag<WskSocket> _sockets = [];
        private readonly WskRegistration _registration;
        private bool _disposed;

        public RawClient()
        {
            Assert.Equal(NtStatus.Success, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
                out WskRegistration? registration));
            _registration = registration!;
            Assert.Equal(NtStatus.Success, WskApi.WskCaptureProviderNPI(_registration, WskConstants.WSK_NO_WAIT, out WskProviderNpi? npi));
            Npi = npi!;
        }

        public WskProviderNpi Npi { get; }

        public WskClient Client => Npi.Client;

        public WskSocket Track(WskSocket socket)
        {
            _sockets.Add(socket);
            return socket;
        }

        public WskSocket BoundSocket(SockAddr local)
        {
            var irp = new Irp();
            Assert.Equal(NtStatus.Success, Npi.Dispatch.WskSocket(Npi.Client, local.Family, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp));
            WskSocket socket = Track((WskSocket)irp.IoStatus.Pointer!);
            Assert.Equal(NtStatus.Success, WskTestClient.Connection(socket).WskBind(socket, local, 0, irp));
            return socket;
        }

        public (WskSocket Socket, SockAddr Address) Listener(PfnWskAcceptEvent? acceptEvent)
        {
            var irp = new Irp();
            Assert.Equal(NtStatus.Success, Npi.Dispatch.WskSocket(Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_LISTEN_SOCKET, null, acceptEvent is null ? null : new WskClientListenDispatch(acceptEvent),
                null, null, null, irp));
            WskSocket socket = Track((WskSocket)irp.IoStatus.Pointer!);
            var listen = (WskProviderListenDispatch)socket.Dispatch;
            Assert.Equal(NtStatus.Success, listen.WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
            Assert.Equal(NtStatus.Success, listen.WskGetLocalAddress(socket, out SockAddr address, irp));
            if (acceptEvent is not null)
            {
                Assert.Equal(NtStatus.Success, WskEvents.Enable(socket, WskConstants.WSK_EVENT_ACCEPT));
            }

            return (socket, address);
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            var irp = new Irp();
            foreach (WskSocket socket in _sockets)
            {
                ((WskProviderBasicDispatch)socket.Dispatch).WskCloseSocket(socket, irp);
            }

            WskApi.WskReleaseProviderNPI(_registration);
            WskApi.WskDeregister(_registration);
        }
    }
}

using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Lab.Wire;
using WskSharp.Nt;
using WskSharp.Tests.WireProof;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// Faults on the real Linux stack: a SYN answered by RST while the connect is pending (the lab's 20 ms RTT makes it
/// certainly pending), a client that resets as soon as it is accepted, and WskCloseSocket or IoCancelIrp racing a
/// pending connect 10,000 times. Each checks that every IRP completes exactly once (IrpProbe), that the bytes a winner
/// sent arrive exactly once, and that no descriptor is left behind.
/// </summary>
/// <remarks>
/// The host has neither nft nor iptables, so the RST does not come from a firewall rule in front of a listener: the SYN
/// goes to a port of 198.18.0.2 that is bound but not listening (held by a socket in the server namespace). The wire is
/// the same, SYN out and RST one RTT later, and no package is needed.
/// </remarks>
[Collection(ReliabilityCollection.Name)]
public sealed class RealStackFaultTests(LabFixture fixture) : IClassFixture<LabFixture>
{
    /// <summary>How a connect is made.</summary>
    public enum ConnectKind
    {
        /// <summary>WskConnect (no buffer).</summary>
        Connect,

        /// <summary>WskConnectEx with a buffer, Fast Open off: the buffer would follow the handshake.</summary>
        ConnectExWithData,

        /// <summary>WskConnectEx with a buffer and TCP_FASTOPEN, a cookie cached: the buffer rides in the SYN.</summary>
        ConnectExFastOpen,
    }

    /// <summary>Where a raced connect goes.</summary>
    public enum Route
    {
        /// <summary>127.0.0.1 inside the lab's client namespace: the handshake finishes within microseconds of the call.</summary>
        Loopback,

        /// <summary>198.18.0.2 across the delay line: the handshake takes one RTT (~20 ms).</summary>
        Lab,
    }

    /// <summary>What races the pending connect.</summary>
    public enum Racer
    {
        /// <summary>WskCloseSocket.</summary>
        Close,

        /// <summary>Irp.Cancel (IoCancelIrp), then WskCloseSocket.</summary>
        Cancel,
    }

    /// <summary>When the racer strikes, counted from the connect call's return.</summary>
    private enum RaceAt
    {
        Immediately,
        AfterYield,
        FromAnotherThread,
        AfterRandomSpin,
        AfterAboutOneRtt, // Lab only: a 17 to 23 ms delay, so the handshake (one RTT) and the racer arrive together.
    }

    private const int RequestSize = 16;
    private const int RacesInFlight = 64;
    private const int WarmUpRaces = 128;

    /// <summary>Races per test, in CI as in stress mode: 10,000 take one to two seconds.</summary>
    private const int Races = 10_000;

    private static readonly SockAddr Wildcard = SockAddr.Inet([0, 0, 0, 0], 0);

    private static WskProviderOptions InClient(LabNetwork lab) => new() { NetworkNamespace = lab.Client.Name };

    private static void Print(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>The descriptors open at a point, and the check that a test's end comes back to them.</summary>
    private sealed class DescriptorBaseline
    {
        private readonly Dictionary<string, int> _kinds;

        private DescriptorBaseline(int count, Dictionary<string, int> kinds)
        {
            Count = count;
            _kinds = kinds;
        }

        public int Count { get; }

        /// <summary>The count once it holds still for 50 ms: taken after a warm-up whose transient descriptors (the
        /// runtime's, a server's ending connections) must be gone first.</summary>
        public static async Task<DescriptorBaseline> TakeAsync()
        {
            int last = ProcessResources.OpenDescriptorsExceptAssemblies();
            for (int i = 0; i < 40; i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
                int now = ProcessResources.OpenDescriptorsExceptAssemblies();
                if (now == last)
                {
                    break;
                }

                last = now;
            }

            return new DescriptorBaseline(last, Kinds());
        }

        /// <summary>Waits briefly for the count to come back to the baseline, asserts it did (naming what is new if
        /// not), and returns the count.</summary>
        public async Task<int> AssertBackAsync(string after)
        {
            int now = await ProcessResources.SettleDescriptorsAsync(Count, exceptAssemblies: true);
            if (now > Count)
            {
                string added = string.Join(", ", Kinds().Where(k => k.Value > _kinds.GetValueOrDefault(k.Key))
                    .Select(k => $"{k.Key} +{k.Value - _kinds.GetValueOrDefault(k.Key)}"));
                Assert.Fail($"{now} descriptors after {after}, {Count} before; new: {added}");
            }

            return now;
        }

        /// <summary>This process's descriptors by what they are (socket, pipe, a file's path).</summary>
        private static Dictionary<string, int> Kinds()
        {
            var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string fd in Directory.GetFiles("/proc/self/fd"))
            {
                try
                {
                    string kind = new FileInfo(fd).LinkTarget ?? "?";
                    if (ProcessResources.IsAssembly(kind))
                    {
                        continue; // Not counted (see OpenDescriptorsExceptAssemblies).
                    }

                    kind = kind.StartsWith("socket:", StringComparison.Ordinal) ? "socket" : kind;
                    kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
                }
                catch (IOException)
                {
                    // Closed while listed (the listing's own descriptor, for one).
                }
            }

            return kinds;
        }
    }

    // --- 1a. RST during the handshake ------------------------------------------------------------------------------

    [Theory]
    [InlineData(ConnectKind.Connect)]
    [InlineData(ConnectKind.ConnectExWithData)]
    [InlineData(ConnectKind.ConnectExFastOpen)]
    public async Task A_SYN_answered_by_RST_completes_the_pending_connect_once_with_STATUS_CONNECTION_REFUSED_and_the_registration_still_connects(ConnectKind kind)
    {
        LabNetwork lab = fixture.Require();
        lab.Client.ForgetFastOpenCookies();
        await using FastOpenEchoServer server = FastOpenEchoServer.Start(lab.ServerAddress, lab.Server);
        using var client = new WskTestClient(InClient(lab));

        // A normal connection first: the warm-up (of the capture and its parser too), and for Fast Open the cookie (kept
        // per server address, so the SYN to the refusing port of the same address carries data).
        string warmPcap = fixture.NewPcapPath($"warm-{kind}");
        await using (PcapCapture warmCapture = await PcapCapture.StartAsync(lab.Client, lab.ClientDevice, warmPcap, $"tcp port {server.EndPoint.Port}",
            cancellationToken: TestContext.Current.CancellationToken))
        {
            WireConnectResult warm = await WireConnection.ConnectExAsync(client, lab.ClientAddress, server.EndPoint, WireConnection.Bytes(64, 1));
            Assert.Equal(NtStatus.Success, warm.Status);
            await warmCapture.StopAsync();
        }

        Assert.Contains(PcapTrace.Read(warmPcap).Segments, s => s.IsSyn && s.Destination.Equals(server.EndPoint));
        await WireConnection.ReceivedAsync(server, 1);
        var fds = await DescriptorBaseline.TakeAsync();

        byte[] data = WireConnection.Bytes(64, 2);
        string pcap = fixture.NewPcapPath($"rst-{kind}");
        using (Socket refusing = lab.Server.RunInside(() => BoundNotListening(lab.ServerAddress)))
        {
            var target = (IPEndPoint)refusing.LocalEndPoint!;
            await using PcapCapture capture = await PcapCapture.StartAsync(lab.Client, lab.ClientDevice, pcap, $"tcp port {target.Port}",
                cancellationToken: TestContext.Current.CancellationToken);

            WskSocket socket = client.CreateSocket();
            WskProviderConnectionDispatch dispatch = WskTestClient.Connection(socket);
            if (kind == ConnectKind.ConnectExFastOpen)
            {
                Assert.Equal(NtStatus.Success, WskFastOpen.Enable(socket));
            }

            Assert.Equal(NtStatus.Success, dispatch.WskBind(socket, SockAddr.FromEndPoint(new IPEndPoint(lab.ClientAddress, 0)), 0, new Irp()));
            var connect = new IrpProbe();
            NtStatus returned = kind == ConnectKind.Connect
                ? dispatch.WskConnect(socket, SockAddr.FromEndPoint(target), 0, connect.Irp)
                : dispatch.WskConnectEx(socket, SockAddr.FromEndPoint(target), new WskBuf(new Mdl(data)), 0, connect.Irp);

            Assert.Equal(NtStatus.Pending, returned); // One RTT away: the RST cannot be there yet.
            Assert.Equal(NtStatus.ConnectionRefused, await connect.WaitAsync());
            Assert.Equal(1, connect.Count);
            Assert.Equal(NtStatus.ConnectionRefused, connect.SeenStatus);
            Assert.Equal(0u, connect.SeenInformation);
            Assert.Null(connect.Irp.IoStatus.Pointer);
            if (kind == ConnectKind.ConnectExFastOpen)
            {
                Assert.Equal(NtStatus.Success, WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
                Assert.True(report.SynDataSent && report.BytesInSyn == data.Length, report.ToString());
            }

            // No longer functional: a send is refused at once, its IRP completed once; the close still works.
            var send = new IrpProbe();
            Assert.Equal(NtStatus.FileForcedClosed, dispatch.WskSend(socket, new WskBuf(new Mdl(new byte[8])), 0, send.Irp));
            Assert.Equal(1, send.Count);
            Assert.Equal(NtStatus.FileForcedClosed, send.Irp.IoStatus.Status);
            var close = new IrpProbe();
            Assert.Equal(NtStatus.Success, dispatch.Basic.WskCloseSocket(socket, close.Irp));
            Assert.Equal(1, close.Count);

            // The wire: one SYN (with the data for Fast Open, empty otherwise), answered by RST.
            await capture.StopAsync();
            PcapTrace trace = PcapTrace.Read(pcap);
            TcpSegment syn = Assert.Single(trace.Segments, s => s.IsSyn && s.Destination.Equals(target));
            Assert.True(syn.Payload.AsSpan().SequenceEqual(kind == ConnectKind.ConnectExFastOpen ? data : []), trace.Dump());
            Assert.True(trace.Segments.Any(s => s.Rst && s.Source.Equals(target)), trace.Dump());
            Assert.Equal(1, connect.Count); // Still once, long after.
        }

        // A normal connection on the same registration works, and its bytes arrive exactly once.
        byte[] next = WireConnection.Bytes(64, 3);
        WireConnectResult after = await WireConnection.ConnectExAsync(client, lab.ClientAddress, server.EndPoint, next);
        Assert.Equal(NtStatus.Success, after.Status);
        Assert.Equal(next, after.Echo);
        Assert.Equal(next, await WireConnection.ReceivedAsync(server, 2));

        int fdsAfter = await fds.AssertBackAsync("the refused connect");
        Print($"{kind}: pending, then STATUS_CONNECTION_REFUSED once; descriptors before {fds.Count}, after {fdsAfter}");
    }

    /// <summary>A socket bound to <paramref name="address"/>:0 that never listens: a SYN to its port is answered by RST,
    /// and while it is held no other socket takes the port.</summary>
    private static Socket BoundNotListening(IPAddress address)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    // --- 1b. A client that resets as soon as it is accepted --------------------------------------------------------

    [Fact]
    public async Task A_client_that_resets_at_once_completes_the_pending_accept_once_its_receive_is_STATUS_CONNECTION_RESET_and_the_next_client_is_served()
    {
        const int Rounds = 100;
        using var client = new WskTestClient();
        var (listener, address) = client.CreateListener();
        var listen = (WskProviderListenDispatch)listener.Dispatch;
        await EchoOneAsync(client, listener, address, 0); // Warm-up.
        var fds = await DescriptorBaseline.TakeAsync();

        for (int round = 1; round <= Rounds; round++)
        {
            var accept = new IrpProbe();
            Assert.Equal(NtStatus.Pending, listen.WskAccept(listener, 0, null, null, null, null, accept.Irp));
            using (var rude = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                await rude.ConnectAsync(address.ToEndPoint(), TestContext.Current.CancellationToken);
                rude.LingerState = new LingerOption(true, 0);
                rude.Close(); // RST at once.
            }

            Assert.Equal(NtStatus.Success, await accept.WaitAsync());
            Assert.Equal(1, accept.Count);
            WskSocket accepted = client.Track(Assert.IsType<WskSocket>(accept.Irp.IoStatus.Pointer));
            WskProviderConnectionDispatch dispatch = WskTestClient.Connection(accepted);

            // The reset is what the first receive reports (ECONNRESET → STATUS_CONNECTION_RESET, ErrnoMapping), with no
            // bytes; the socket is then no longer functional, and closing it works.
            var receive = new IrpProbe();
            NtStatus returned = dispatch.WskReceive(accepted, new WskBuf(new Mdl(new byte[16])), 0, receive.Irp);
            NtStatus final = returned == NtStatus.Pending ? await receive.WaitAsync() : returned;
            Assert.True(final == NtStatus.ConnectionReset, $"round {round}: receive returned {returned}, completed {final} with {receive.SeenInformation} B");
            Assert.Equal(0u, receive.SeenInformation);
            Assert.Equal(1, receive.Count);
            var send = new IrpProbe();
            Assert.Equal(NtStatus.FileForcedClosed, dispatch.WskSend(accepted, new WskBuf(new Mdl(new byte[1])), 0, send.Irp));
            Assert.Equal(1, send.Count);
            Assert.Equal(NtStatus.Success, dispatch.Basic.WskCloseSocket(accepted, new Irp()));

            // The next, well-behaved client is accepted and echoed.
            await EchoOneAsync(client, listener, address, round);
            Assert.Equal(1, accept.Count);
        }

        int fdsAfter = await fds.AssertBackAsync($"{Rounds} rounds");
        Print($"{Rounds} resetting clients accepted, each receive STATUS_CONNECTION_RESET, each next client echoed; descriptors before {fds.Count}, after {fdsAfter}");
    }

    /// <summary>A .NET client connects and sends 32 bytes; the WSK side accepts, receives and echoes them; both close.</summary>
    private static async Task EchoOneAsync(WskTestClient client, WskSocket listener, SockAddr address, int seed)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        byte[] request = WireConnection.Bytes(32, seed);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(address.ToEndPoint(), ct);
        Assert.Equal(request.Length, await peer.SendAsync(request, SocketFlags.None, ct));
        WskSocket accepted = await client.AcceptAsync(listener);
        byte[] received = await WskTestClient.ReceiveAsync(accepted, request.Length);
        Assert.Equal(request, received);
        await WskTestClient.SendAsync(accepted, received);
        byte[] echo = new byte[request.Length];
        int total = 0;
        while (total < echo.Length)
        {
            int n = await peer.ReceiveAsync(echo.AsMemory(total), SocketFlags.None, ct).AsTask().WaitAsync(LoopbackConnection.HangGuard, ct);
            Assert.True(n > 0, $"the echo ended after {total} bytes");
            total += n;
        }

        Assert.Equal(request, echo);
        Assert.Equal(NtStatus.Success, WskTestClient.Connection(accepted).Basic.WskCloseSocket(accepted, new Irp()));
    }

    // --- 2. Close or cancel racing a pending connect ---------------------------------------------------------------

    [Theory]
    [InlineData(Route.Loopback)]
    [InlineData(Route.Lab)]
    public Task WskCloseSocket_racing_a_pending_connect_10000_times_completes_each_connect_once_and_loses_no_byte(Route route)
        => RaceAsync(Racer.Close, route);

    [Theory]
    [InlineData(Route.Loopback)]
    [InlineData(Route.Lab)]
    public Task IoCancelIrp_racing_the_handshake_10000_times_completes_each_connect_once_and_loses_no_byte(Route route)
        => RaceAsync(Racer.Cancel, route);

    /// <summary>
    /// <see cref="Races"/> connects (WskConnect and WskConnectEx with a 16-byte request that names its race, alternately),
    /// <see cref="RacesInFlight"/> at a time, each raced by <paramref name="racer"/> at one of the <see cref="RaceAt"/>
    /// points in turn. Every connect IRP completes exactly once, with STATUS_SUCCESS (the handshake won) or
    /// STATUS_CANCELLED; every close returns STATUS_SUCCESS; the server receives exactly the requests of the winners,
    /// once each; and the descriptors come back to their baseline.
    /// </summary>
    private async Task RaceAsync(Racer racer, Route route)
    {
        LabNetwork lab = fixture.Require();
        const int n = Races;
        RaceAt[] points = route == Route.Lab ? Enum.GetValues<RaceAt>() : [.. Enum.GetValues<RaceAt>().Where(p => p != RaceAt.AfterAboutOneRtt)];
        // An accept queue as long as a namespace allows (somaxconn 4096): with 512, thousands of handshakes per second
        // overflowed it on loopback (nstat ListenOverflows in the thousands per run), leaving those winners' requests to
        // TCP's retransmissions, seconds late under load.
        await using FastOpenEchoServer server = route == Route.Loopback
            ? FastOpenEchoServer.Start(IPAddress.Loopback, lab.Client, backlog: 4096)
            : FastOpenEchoServer.Start(lab.ServerAddress, lab.Server, backlog: 4096);
        var destination = SockAddr.FromEndPoint(server.EndPoint);
        using var client = new WskTestClient(InClient(lab));
        // Over the lab each race binds a port of its own (the close races 10,000 and up, the cancel races 21,000 and up,
        // under the ephemeral range): a cancelled attempt can leave the server an embryonic connection for a while, and
        // a new SYN from the same port would meet it and be answered by RST, a refusal that is TCP's, not the racer's.
        Func<int, SockAddr> local = route == Route.Loopback
            ? _ => Wildcard
            : i => SockAddr.FromEndPoint(new IPEndPoint(lab.ClientAddress, (racer == Racer.Close ? 10_000 : 21_000) + i));
        var race = new Race(client.Npi, destination, local, racer, points);

        NetworkNamespace serverSide = route == Route.Loopback ? lab.Client : lab.Server;
        await race.RunAsync(0, WarmUpRaces); // The warm-up runs every check too, so nothing loads after the baseline.
        await race.AwaitServerAsync(server);
        race.AssertEachIrpCompletedOnce();
        race.AssertServerReceivedExactlyTheWinners(server, lab, serverSide, new());
        var fds = await DescriptorBaseline.TakeAsync();
        Dictionary<string, long> countersBefore = TcpCounters.Read(lab.Client, serverSide);

        var stopwatch = Stopwatch.StartNew();
        await race.RunAsync(WarmUpRaces, n);
        stopwatch.Stop();
        Print($"{racer} racing a pending connect over {route}: {n} races ({RacesInFlight} in flight) in {stopwatch.Elapsed.TotalSeconds:F2} s");
        Print(race.Describe());

        TimeSpan serverLag = await race.AwaitServerAsync(server);
        await Task.Delay(200, TestContext.Current.CancellationToken); // Room for a late duplicate, a late second completion.
        Dictionary<string, long> counters = TcpCounters.Since(countersBefore, TcpCounters.Read(lab.Client, serverSide));
        Print($"  the server had every winner's request {serverLag.TotalSeconds:F2} s after the last race; TCP: {TcpCounters.Describe(counters)}");
        race.AssertEachIrpCompletedOnce();
        race.AssertServerReceivedExactlyTheWinners(server, lab, serverSide, counters);
        Assert.Equal(0, client.Npi.Client.OpenSockets);
        int fdsAfter = await fds.AssertBackAsync($"{n} races");
        Print($"  descriptors before {fds.Count}, after {fdsAfter}");
        Assert.True(race.Cancelled > 0, "no connect was ever cancelled: the racer never found one pending");
        if (route == Route.Loopback)
        {
            Assert.True(race.Succeeded > 0, "no connect ever won: the race was never close");
        }
    }

    /// <summary>The races of one test: their IRPs, the requests of the winners, and the outcome per race point.</summary>
    private sealed class Race(WskProviderNpi npi, SockAddr destination, Func<int, SockAddr> local, Racer racer, RaceAt[] points)
    {
        private readonly ConcurrentBag<IrpProbe> _probes = [];
        private readonly ConcurrentBag<byte[]> _winnerRequests = [];
        private readonly int[,] _outcomes = new int[Enum.GetValues<RaceAt>().Length, 2]; // [point, 0 = success, 1 = cancelled]
        private int _inline;
        private int _cancelCalled;

        public int Succeeded => Sum(0);

        public int Cancelled => Sum(1);

        public Task RunAsync(int first, int count) => Parallel.ForEachAsync(Enumerable.Range(first, count),
            new ParallelOptions { MaxDegreeOfParallelism = RacesInFlight, CancellationToken = TestContext.Current.CancellationToken },
            async (i, _) => await OneAsync(i));

        private async Task OneAsync(int index)
        {
            RaceAt at = points[index % points.Length];
            bool withData = (index / points.Length) % 2 == 1;
            byte[] request = RequestFor(index);

            var irp = new Irp();
            Assert.Equal(NtStatus.Success, npi.Dispatch.WskSocket(npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
                WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp));
            var socket = (WskSocket)irp.IoStatus.Pointer!;
            WskProviderConnectionDispatch dispatch = WskTestClient.Connection(socket);
            NtStatus bound = dispatch.WskBind(socket, local(index), 0, irp);
            if (bound != NtStatus.Success)
            {
                dispatch.Basic.WskCloseSocket(socket, new Irp()); // An open socket would hold WskDeregister forever.
                Assert.Fail($"race {index}: WskBind returned {bound}");
            }

            var connect = new IrpProbe();
            var close = new IrpProbe();
            _probes.Add(connect);
            _probes.Add(close);
            NtStatus returned = withData
                ? dispatch.WskConnectEx(socket, destination, new WskBuf(new Mdl(request)), 0, connect.Irp)
                : dispatch.WskConnect(socket, destination, 0, connect.Irp);

            NtStatus closed = NtStatus.Pending;
            NtStatus Strike()
            {
                if (racer == Racer.Close)
                {
                    return dispatch.Basic.WskCloseSocket(socket, close.Irp);
                }

                if (connect.Irp.Cancel())
                {
                    Interlocked.Increment(ref _cancelCalled);
                }

                return NtStatus.Pending;
            }

            switch (at)
            {
                case RaceAt.Immediately:
                    closed = Strike();
                    break;
                case RaceAt.AfterYield:
                    Thread.Yield();
                    closed = Strike();
                    break;
                case RaceAt.FromAnotherThread:
                    closed = await Task.Run(Strike);
                    break;
                case RaceAt.AfterRandomSpin:
                    Thread.SpinWait(Random.Shared.Next(0, 4000));
                    closed = Strike();
                    break;
                case RaceAt.AfterAboutOneRtt:
                    await Task.Delay(Random.Shared.Next(17, 24)); // A race point (about one lab RTT), not a wait: either outcome is checked.
                    closed = Strike();
                    break;
            }

            NtStatus final = await connect.WaitAsync();
            if (racer == Racer.Cancel)
            {
                closed = dispatch.Basic.WskCloseSocket(socket, close.Irp);
            }

            if (returned != NtStatus.Pending)
            {
                Interlocked.Increment(ref _inline);
                Assert.True(final == returned, $"race {index} ({at}): connect returned {returned} but completed {final}");
            }

            Assert.True(closed == NtStatus.Success, $"race {index} ({at}): close returned {closed}");
            Assert.True(final == NtStatus.Success || final == NtStatus.Cancelled,
                $"race {index} ({at}, {(withData ? "WskConnectEx with data" : "WskConnect")}): connect completed {final}");
            Assert.Equal(1, connect.Count);
            Assert.Equal(1, close.Count);
            if (final == NtStatus.Success)
            {
                Assert.Equal(withData ? (nuint)RequestSize : 0u, connect.SeenInformation);
                if (withData)
                {
                    _winnerRequests.Add(request);
                }
            }
            else
            {
                Assert.Equal(0u, connect.SeenInformation);
            }

            Interlocked.Increment(ref _outcomes[(int)at, final == NtStatus.Success ? 0 : 1]);
        }

        /// <summary>Waits, woken by each connection the server records, until it has a non-empty request for every winner;
        /// returns how long that took. The guard is TCP's own recovery, not a guess at speed: a winner's request that met a
        /// full accept queue (a listen overflow drops the handshake's last ACK and the data) is delivered by the server's
        /// SYN-ACK retransmissions (1 + 2 + 4 + 8 + 16 s, net.ipv4.tcp_synack_retries = 5) and the client's, so it may
        /// arrive half a minute late and still arrive.</summary>
        public async Task<TimeSpan> AwaitServerAsync(FastOpenEchoServer server)
        {
            var waited = Stopwatch.StartNew();
            int winners = _winnerRequests.Count;
            try
            {
                await server.WaitForReceivedAsync(r => r.Count(x => x.Length > 0) >= winners, TestContext.Current.CancellationToken)
                    .WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                // The assertion that follows names what is missing and what TCP's counters say.
            }

            return waited.Elapsed;
        }

        public void AssertEachIrpCompletedOnce()
        {
            int wrong = _probes.Count(p => p.Count != 1);
            Assert.True(wrong == 0, $"{wrong} of {_probes.Count} IRPs did not complete exactly once");
        }

        /// <summary>The server's non-empty connections are exactly the winners' requests: none lost, none twice, none
        /// from a connect that was cancelled, none torn.</summary>
        /// <remarks>On failure the message also says, for each missing request, what the kernels still hold of its connection
        /// (its client port is known over the lab: each race binds its own), and TCP's counters over the run: a request
        /// still in flight (a socket retransmitting) is a slow path, one with no socket left anywhere was lost.</remarks>
        public void AssertServerReceivedExactlyTheWinners(FastOpenEchoServer server, LabNetwork lab, NetworkNamespace serverSide,
            Dictionary<string, long> counters)
        {
            List<string> expected = [.. _winnerRequests.Select(Convert.ToHexString).Order(StringComparer.Ordinal)];
            List<string> received = [.. server.Received.Where(r => r.Length > 0).Select(Convert.ToHexString).Order(StringComparer.Ordinal)];
            if (expected.SequenceEqual(received))
            {
                return;
            }

            List<string> missing = [.. expected.Except(received)];
            string sockets = string.Join("; ", missing.Take(5).Select(hex =>
            {
                int index = BinaryPrimitives.ReadInt32LittleEndian(Convert.FromHexString(hex));
                SockAddr port = local(index);
                return port.Port == 0
                    ? $"race {index}: port unknown (loopback)"
                    : $"race {index} (port {port.Port}): client [{TcpCounters.Sockets(lab.Client, $"sport = :{port.Port}")}], " +
                      $"server [{TcpCounters.Sockets(serverSide, $"dport = :{port.Port}")}]";
            }));
            Assert.Fail($"the server received {received.Count} requests, the winners sent {expected.Count}; missing: " +
                $"{string.Join(' ', missing.Take(5))}; unexpected: {string.Join(' ', received.Except(expected).Take(5))}; " +
                $"duplicates: {received.Count - received.Distinct().Count()}; sockets of the missing: {sockets}; " +
                $"TCP over the run: {TcpCounters.Describe(counters)}");
        }

        public string Describe()
        {
            var parts = points.Select(p => $"{p}: {_outcomes[(int)p, 0]} success / {_outcomes[(int)p, 1]} cancelled");
            string cancels = racer == Racer.Cancel ? $"; Irp.Cancel called a cancel routine {_cancelCalled} times" : "";
            return $"  {string.Join("; ", parts)}; total {Succeeded} success / {Cancelled} cancelled (warm-up included); " +
                $"{_inline} completed inline; {_winnerRequests.Count} winner requests, each received once{cancels}";
        }

        private int Sum(int outcome)
        {
            int sum = 0;
            for (int p = 0; p < _outcomes.GetLength(0); p++)
            {
                sum += Volatile.Read(ref _outcomes[p, outcome]);
            }

            return sum;
        }

        /// <summary>A request that names its race, so a request crossed between connections would show.</summary>
        private static byte[] RequestFor(int index)
        {
            byte[] request = new byte[RequestSize];
            BinaryPrimitives.WriteInt32LittleEndian(request, index);
            for (int i = 4; i < RequestSize; i++)
            {
                request[i] = (byte)((index * 131) + i);
            }

            return request;
        }
    }
}

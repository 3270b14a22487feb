using System.Net;
using Microsoft.Extensions.Logging;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Transport.Simulated;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>
/// Faults only the simulated network can inject on demand: refusal by a live listener, a SYN that is never answered, an
/// RST right after the handshake or at any byte of a transfer, partial sends, EAGAIN storms, ENOMEM and EMFILE, a host
/// socket that stops working, delays that reorder completions, and a SYN-data blackhole. Each test checks that the fault
/// struck (the network counts it), that every IRP completed exactly once with the documented status, that the bytes that
/// arrived are exactly a prefix of those sent (all of them when nothing cut the connection), and that nothing is left
/// open. Runs are seeded: one seed, one run.
/// </summary>
[Collection(Reliability.ReliabilityCollection.Name)]
public sealed class SimulatedFaultTests
{
    private static WskProviderConnectionDispatch Conn(WskSocket socket) => WskTestClient.Connection(socket);

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A network with <paramref name="options"/>, a client and a server registration; afterwards every socket is
    /// closed and the network's thread never saw a handler fail.</summary>
    private static async Task OnNetworkAsync(SimulatedNetworkOptions options, Func<SimulatedNetwork, WskTestClient, WskTestClient, Task> body)
    {
        using TestTransport transport = TestTransport.Simulated(options);
        await transport.WithClientsAsync((client, server) => body(transport.Network!, client, server));
    }

    /// <summary>Receives until the stream ends or fails; returns the bytes and the final status, each IRP checked once.</summary>
    private static async Task<(byte[] Bytes, NtStatus End)> ReceiveAllAsync(WskSocket socket)
    {
        var all = new List<byte>();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var probe = new IrpProbe();
            NtStatus status = await WskTestClient.Complete(Conn(socket).WskReceive(socket, new WskBuf(new Mdl(buffer)), 0, probe.Irp), probe.Irp);
            Assert.Equal(1, probe.Count);
            if (status != NtStatus.Success || probe.Irp.IoStatus.Information == 0)
            {
                return ([.. all], status);
            }

            all.AddRange(buffer.AsSpan(0, (int)probe.Irp.IoStatus.Information));
        }
    }

    [Fact]
    public Task A_live_listener_refusing_the_SYN_fails_the_connect_once_with_CONNECTION_REFUSED() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        var (listener, address) = server.CreateListener();
        WskSocket socket = client.CreateBoundSocket();
        network.InjectNext(SimulatedFault.Refuse);
        var probe = new IrpProbe();

        NtStatus returned = Conn(socket).WskConnectEx(socket, address, new WskBuf(new Mdl(new byte[32])), 0, probe.Irp);

        Assert.Equal(NtStatus.ConnectionRefused, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal((1, (nuint)0), (probe.Count, probe.Irp.IoStatus.Information));
        Assert.Equal(1, network.Fired(SimulatedFault.Refuse));
        Assert.Equal(NtStatus.FileForcedClosed, Conn(socket).WskSend(socket, new WskBuf(new Mdl(new byte[1])), 0, new Irp()));
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        await client.ConnectAsync(address, [7]); // The listener still takes the next one.
        Assert.Equal(new byte[] { 7 }, await WskTestClient.ReceiveAsync(await accepting, 1));
    });

    [Fact]
    public Task A_SYN_never_answered_fails_the_connect_once_with_IO_TIMEOUT() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        var (_, address) = server.CreateListener();
        WskSocket socket = client.CreateBoundSocket();
        network.InjectNext(SimulatedFault.SynTimeout);
        var probe = new IrpProbe();

        NtStatus returned = Conn(socket).WskConnect(socket, address, 0, probe.Irp);

        Assert.Equal(NtStatus.IoTimeout, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal(1, probe.Count);
        Assert.Equal(1, network.Fired(SimulatedFault.SynTimeout));
    });

    [Fact]
    public Task An_RST_right_after_the_handshake_fails_the_pending_receive_once_and_the_listener_never_sees_that_connection() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        var (listener, address) = server.CreateListener();
        Task<WskSocket> accepting = server.AcceptAsync(listener);
        WskSocket doomed = client.CreateBoundSocket();
        network.InjectNext(SimulatedFault.ResetAfterHandshake);
        var connect = new IrpProbe();
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(Conn(doomed).WskConnect(doomed, address, 0, connect.Irp), connect.Irp));
        var receive = new IrpProbe();

        NtStatus returned = Conn(doomed).WskReceive(doomed, new WskBuf(new Mdl(new byte[8])), 0, receive.Irp);

        Assert.Equal(NtStatus.ConnectionReset, await WskTestClient.Complete(returned, receive.Irp));
        Assert.Equal((1, 1), (connect.Count, receive.Count));
        WskSocket next = await client.ConnectAsync(address, [1, 2]);
        Assert.Equal(new byte[] { 1, 2 }, await WskTestClient.ReceiveAsync(await accepting, 2)); // The accept got the next one.
        Assert.Equal(1, network.Fired(SimulatedFault.ResetAfterHandshake));
        _ = next;
    });

    [Fact]
    public async Task An_RST_at_any_byte_of_a_transfer_leaves_each_side_an_exact_prefix_and_each_IRP_completed_once()
    {
        const int Size = 200 * 1024;
        int reset = 0, whole = 0, cutMidway = 0;
        for (int seed = 1; seed <= 40; seed++)
        {
            var options = new SimulatedNetworkOptions
            {
                Seed = seed,
                ResetWindow = 3 * Size,
                Faults = SimulatedFaultPlan.None.With(SimulatedFault.ResetInTransfer, 1.0),
            };
            await OnNetworkAsync(options, async (network, client, server) =>
            {
                var (a, b) = await client.ConnectPairAsync(server);
                byte[] forth = RandomBytes(Size, seed), back = RandomBytes(Size, -seed);
                Task<(byte[] Bytes, NtStatus End)> atB = ReceiveAllAsync(b);
                Task<(byte[] Bytes, NtStatus End)> atA = ReceiveAllAsync(a);
                var sendForth = new IrpProbe();
                var sendBack = new IrpProbe();
                NtStatus f = await WskTestClient.Complete(Conn(a).WskDisconnect(a, new WskBuf(new Mdl(forth)), 0, sendForth.Irp), sendForth.Irp);
                NtStatus k = await WskTestClient.Complete(Conn(b).WskDisconnect(b, new WskBuf(new Mdl(back)), 0, sendBack.Irp), sendBack.Irp);
                var (gotB, endB) = await atB;
                var (gotA, endA) = await atA;

                Assert.Equal((1, 1), (sendForth.Count, sendBack.Count));
                Assert.Equal(forth.AsSpan(0, gotB.Length).ToArray(), gotB);
                Assert.Equal(back.AsSpan(0, gotA.Length).ToArray(), gotA);
                if (network.Fired(SimulatedFault.ResetInTransfer) == 0)
                {
                    Assert.Equal((NtStatus.Success, NtStatus.Success, NtStatus.Success, NtStatus.Success), (f, k, endA, endB));
                    Assert.Equal((Size, Size), (gotA.Length, gotB.Length));
                    whole++;
                }
                else
                {
                    Assert.All(new[] { f, k, endA, endB }, s => Assert.True(s == NtStatus.Success || s == NtStatus.ConnectionReset || s == NtStatus.InvalidDeviceState || s == NtStatus.FileForcedClosed, s.ToString()));
                    Assert.True(endA == NtStatus.ConnectionReset || endB == NtStatus.ConnectionReset || gotA.Length + gotB.Length < 2 * Size, $"seed {seed}: reset, yet both ends ended cleanly");
                    reset++;
                    if (gotA.Length + gotB.Length is > 0 and < 2 * Size)
                    {
                        cutMidway++;
                    }
                }
            });
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"40 seeds: {reset} reset ({cutMidway} after some bytes), {whole} whole");
        Assert.True(reset >= 10 && cutMidway >= 5 && whole >= 1, $"{reset} resets, {cutMidway} midway, {whole} whole");
    }

    [Fact]
    public Task Partial_sends_and_EAGAIN_storms_still_deliver_a_megabyte_each_way_exactly_once() => OnNetworkAsync(new()
    {
        Seed = 11,
        ReceiveBufferSize = 8 * 1024,
        Faults = SimulatedFaultPlan.None.With(SimulatedFault.PartialSend, 0.5).With(SimulatedFault.EagainStorm, 0.3),
    }, async (network, client, server) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        byte[] forth = RandomBytes(1 << 20, 1), back = RandomBytes(1 << 20, 2);
        Task<byte[]> atB = WskTestClient.ReceiveAsync(b, forth.Length);
        Task<byte[]> atA = WskTestClient.ReceiveAsync(a, back.Length);

        Task sending = WskTestClient.SendAsync(a, forth);
        await WskTestClient.SendAsync(b, back);
        await sending;

        Assert.Equal(forth, await atB);
        Assert.Equal(back, await atA);
        Assert.True(network.Fired(SimulatedFault.PartialSend) > 10, $"{network.Fired(SimulatedFault.PartialSend)} partial sends");
        Assert.True(network.Fired(SimulatedFault.EagainStorm) > 10, $"{network.Fired(SimulatedFault.EagainStorm)} storms");
    });

    [Fact]
    public Task No_memory_for_a_socket_fails_WskSocket_with_INSUFFICIENT_RESOURCES_and_the_next_one_works() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        network.InjectNext(SimulatedFault.OutOfMemory);
        var probe = new IrpProbe();

        NtStatus returned = client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, probe.Irp);

        Assert.Equal(NtStatus.InsufficientResources, returned);
        Assert.Equal((1, NtStatus.InsufficientResources), (probe.Count, probe.Irp.IoStatus.Status));
        Assert.Null(probe.Irp.IoStatus.Pointer);
        var (a, b) = await client.ConnectPairAsync(server);
        await WskTestClient.SendAsync(a, [5]);
        Assert.Equal(new byte[] { 5 }, await WskTestClient.ReceiveAsync(b, 1));
    });

    [Fact]
    public Task At_the_descriptor_limit_WskSocket_fails_with_TOO_MANY_OPENED_FILES_until_one_closes() => OnNetworkAsync(new() { SocketLimit = 3 }, (network, client, _) =>
    {
        var made = new List<WskSocket>();
        NtStatus status;
        var probe = new IrpProbe();
        while ((status = client.Npi.Dispatch.WskSocket(client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM, Ws2Def.IPPROTO_TCP,
            WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, probe.Irp)) == NtStatus.Success)
        {
            made.Add(client.Track((WskSocket)probe.Irp.IoStatus.Pointer!));
            probe = new IrpProbe();
        }

        Assert.Equal(NtStatus.TooManyOpenedFiles, status);
        Assert.Equal(1, probe.Count);
        Assert.Equal(3, made.Count);
        Assert.Equal(NtStatus.Success, Conn(made[0]).Basic.WskCloseSocket(made[0], new Irp()));
        client.CreateSocket(); // Room again.
        return Task.CompletedTask;
    });

    [Fact]
    public Task An_accept_without_a_descriptor_fails_once_and_the_connection_waits_for_the_next_WskAccept() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        var (listener, address) = server.CreateListener();
        var accept = (WskProviderListenDispatch)listener.Dispatch;
        WskSocket socket = client.CreateBoundSocket();
        var first = new IrpProbe();
        Assert.Equal(NtStatus.Pending, accept.WskAccept(listener, 0, null, null, null, null, first.Irp));
        network.InjectNext(SimulatedFault.TooManyFiles);

        var connect = new IrpProbe();
        NtStatus returned = Conn(socket).WskConnectEx(socket, address, new WskBuf(new Mdl(new byte[] { 3, 1, 4 })), 0, connect.Irp);

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, connect.Irp));
        Assert.Equal(NtStatus.TooManyOpenedFiles, await first.WaitAsync());
        Assert.Equal(1, first.Count);
        WskSocket accepted = await server.AcceptAsync(listener);
        Assert.Equal(new byte[] { 3, 1, 4 }, await WskTestClient.ReceiveAsync(accepted, 3));
    });

    [Fact]
    public Task No_memory_for_a_send_fails_it_once_and_leaves_the_socket_no_longer_functional_and_the_peer_reset() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        IrpProbe peerReceive = IrpProbe.PendingReceive(b, 8);
        network.InjectNext(SimulatedFault.OutOfMemory);
        var send = new IrpProbe();

        NtStatus returned = Conn(a).WskSend(a, new WskBuf(new Mdl(new byte[100])), 0, send.Irp);

        Assert.Equal(NtStatus.InsufficientResources, returned);
        Assert.Equal(1, send.Count);
        Assert.Equal(NtStatus.FileForcedClosed, Conn(a).WskSend(a, new WskBuf(new Mdl(new byte[1])), 0, new Irp()));
        Assert.Equal(NtStatus.ConnectionReset, await peerReceive.WaitAsync());
    });

    [Fact]
    public Task A_host_socket_that_stops_working_fails_every_pending_request_once_and_then_only_close_works() => OnNetworkAsync(new(), async (network, client, server) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        IrpProbe ownReceive = IrpProbe.PendingReceive(a, 8);
        IrpProbe peerReceive = IrpProbe.PendingReceive(b, 8);
        network.InjectNext(SimulatedFault.SocketBreaks);
        var send = new IrpProbe();

        NtStatus returned = Conn(a).WskSend(a, new WskBuf(new Mdl(new byte[100])), 0, send.Irp);

        Assert.Equal(NtStatus.ConnectionAborted, returned);
        Assert.Equal(NtStatus.ConnectionAborted, await ownReceive.WaitAsync());
        Assert.Equal(NtStatus.ConnectionReset, await peerReceive.WaitAsync());
        Assert.Equal((1, 1, 1), (send.Count, ownReceive.Count, peerReceive.Count));
        Assert.Equal(NtStatus.FileForcedClosed, Conn(a).WskReceive(a, new WskBuf(new Mdl(new byte[8])), 0, new Irp()));
        Assert.Equal(NtStatus.Success, Conn(a).Basic.WskCloseSocket(a, new Irp()));
        Assert.Equal(1, network.Fired(SimulatedFault.SocketBreaks));
    });

    [Fact]
    public async Task A_readiness_handler_that_throws_completes_the_sockets_requests_with_a_status_and_logs_it()
    {
        var logs = new ListLoggerFactory();
        using TestTransport transport = TestTransport.Simulated();
        using WskTestClient client = transport.NewClient(new WskProviderOptions { LoggerFactory = logs });
        using WskTestClient server = transport.NewClient();
        var (a, b) = await client.ConnectPairAsync(server);
        IrpProbe receive = IrpProbe.PendingReceive(a, 8);
        transport.Network!.InjectNext(SimulatedFault.ReceiveThrows);

        await WskTestClient.SendAsync(b, [1, 2, 3]); // a's readiness: its receive throws on the network's thread.

        Assert.Equal(NtStatus.InternalError, await receive.WaitAsync()); // Not left for an event that may never come.
        Assert.Equal(1, receive.Count);
        Assert.Equal(1, transport.Network.Fired(SimulatedFault.ReceiveThrows));
        Assert.Equal(NtStatus.FileForcedClosed, Conn(a).WskSend(a, new WskBuf(new Mdl(new byte[1])), 0, new Irp()));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException);
        transport.AssertHealthy(); // The engine handled it: nothing reached the network's thread.
    }

    /// <summary>40 connects with requests, issued while the clock is held, then let go: what happens on the wire.</summary>
    private static async Task<IReadOnlyList<string>> ConnectBurstAsync(int seed)
    {
        IReadOnlyList<string> trace = [];
        await OnNetworkAsync(new() { Seed = seed, Trace = true, MinDelay = TimeSpan.FromMicroseconds(10), MaxDelay = TimeSpan.FromMilliseconds(5) }, async (network, client, server) =>
        {
            var (listener, address) = server.CreateListener();
            var accept = (WskProviderListenDispatch)listener.Dispatch;
            var accepts = Enumerable.Range(0, 40).Select(_ => new IrpProbe()).ToList();
            var connects = Enumerable.Range(0, 40).Select(_ => new IrpProbe()).ToList();
            var sockets = Enumerable.Range(0, 40).Select(_ => client.CreateBoundSocket()).ToList();
            using (network.Hold())
            {
                foreach (IrpProbe probe in accepts)
                {
                    Assert.Equal(NtStatus.Pending, accept.WskAccept(listener, 0, null, null, null, null, probe.Irp));
                }

                for (int i = 0; i < 40; i++)
                {
                    Assert.Equal(NtStatus.Pending, Conn(sockets[i]).WskConnectEx(sockets[i], address, new WskBuf(new Mdl([(byte)i])), 0, connects[i].Irp));
                }
            }

            var seen = new HashSet<byte>();
            for (int i = 0; i < 40; i++)
            {
                Assert.Equal(NtStatus.Success, await connects[i].WaitAsync());
                Assert.Equal(NtStatus.Success, await accepts[i].WaitAsync());
                WskSocket accepted = server.Track((WskSocket)accepts[i].Irp.IoStatus.Pointer!);
                Assert.True(seen.Add((await WskTestClient.ReceiveAsync(accepted, 1))[0]));
            }

            Assert.Equal(40, seen.Count); // Each request once, each on its own connection.
            trace = network.Trace;
        });
        return trace;
    }

    [Fact]
    public async Task Delays_reorder_completions_the_same_way_for_a_seed_and_differently_for_another()
    {
        IReadOnlyList<string> one = await ConnectBurstAsync(seed: 5);
        IReadOnlyList<string> again = await ConnectBurstAsync(seed: 5);
        IReadOnlyList<string> other = await ConnectBurstAsync(seed: 6);

        // The burst's part of the trace (up to the last handshake) is fixed by the seed alone.
        static string[] Handshakes(IReadOnlyList<string> trace) => [.. trace.Where(t => t.Contains("established", StringComparison.Ordinal) || t.Contains("taken", StringComparison.Ordinal))];
        Assert.Equal(Handshakes(one), Handshakes(again));
        Assert.NotEqual(Handshakes(one), Handshakes(other));
        string[] order = [.. Handshakes(one).Where(t => t.Contains("established", StringComparison.Ordinal)).Select(t => t.Split('#')[1])];
        Assert.Equal(40, order.Length);
        Assert.NotEqual(order.OrderBy(int.Parse), order.Select(s => s)); // Connects issued in order finish out of order.
    }

    [Fact]
    public Task A_path_that_drops_SYN_data_costs_one_retransmission_then_the_adaptive_policy_skips_it() => OnNetworkAsync(new()
    {
        HostAddresses = [IPAddress.Parse("198.18.0.2")],
    }, async (network, client, server) =>
    {
        WskSocket listener = server.CreateSocket(Ws2Def.AF_INET, WskConstants.WSK_FLAG_LISTEN_SOCKET, null, null);
        Assert.Equal(NtStatus.Success, WskFastOpen.Enable(listener));
        SockAddr address = SockAddr.Inet([198, 18, 0, 2], 7200);
        Assert.Equal(NtStatus.Success, ((WskProviderListenDispatch)listener.Dispatch).WskBind(listener, address, 0, new Irp()));
        network.DropSynDataTo(address);
        byte[] request = RandomBytes(300, 9);
        List<WskFastOpenReport> reports = await client.ConnectFastOpenAsync(server, listener, address, request, 4);

        Assert.True((reports[0].Flags & WskFastOpenFlags.CookieRequested) != 0, reports[0].ToString());
        Assert.True(reports[1].SynDataSent && !reports[1].SynDataAcknowledged, reports[1].ToString());
        Assert.Equal(WskFastOpenFailReason.SynRetransmitted, reports[1].FailReason);
        Assert.All(reports.Skip(2), r => Assert.True((r.Flags & WskFastOpenFlags.SkippedByPolicy) != 0 && !r.SynDataSent, r.ToString()));
    });
}

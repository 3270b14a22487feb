using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// WskSend and WskReceive on a socket connected with a plain WskConnect to a .NET socket on loopback: bytes across
/// MDL chains with offsets, WSK_FLAG_WAITALL, graceful and abortive ends, the refusals, a send far larger than the
/// socket buffers (pending, completed by the event loop), and request order on a socket.
/// </summary>
public sealed class SendReceiveTests : IDisposable
{
    private readonly WskTestClient _client = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Three MDLs, each in an array of its own with <paramref name="fill"/> around it, holding <paramref name="sizes"/> bytes.</summary>
    private static (Mdl Chain, byte[][] Backing) ChainOf(byte fill, params int[] sizes)
    {
        var backing = new byte[sizes.Length][];
        var parts = new Memory<byte>[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            backing[i] = new byte[sizes[i] + 4];
            Array.Fill(backing[i], fill);
            parts[i] = backing[i].AsMemory(2, sizes[i]);
        }

        return (Mdl.Chain(parts)!, backing);
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public async Task A_send_across_an_MDL_chain_with_an_offset_delivers_exactly_those_bytes(ushort family)
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client, family);
        byte[] payload = RandomBytes(5 + 700 + 9000, seed: family);
        (Mdl chain, _) = ChainOf(0, 5 + 3, 700, 9000 + 11);
        // Offset 3 into the first MDL; Length stops 11 bytes short of the chain's end.
        WskBuf buffer = new(chain, 3, (nuint)payload.Length);
        payload.AsSpan(0, 5).CopyTo(chain.Memory.Span[3..]);
        payload.AsSpan(5, 700).CopyTo(chain.Next!.Memory.Span);
        payload.AsSpan(705).CopyTo(chain.Next.Next!.Memory.Span);
        var probe = new IrpProbe();

        NtStatus returned = connection.Dispatch.WskSend(connection.Socket, buffer, 0, probe.Irp);

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal((nuint)payload.Length, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);
        Assert.Equal(payload, await connection.ReadOnPeerAsync(payload.Length));

        // Nothing more follows: a graceful close ends the stream right there.
        Assert.Equal(NtStatus.Success, connection.Dispatch.Basic.WskCloseSocket(connection.Socket, new Irp()));
        Assert.Empty(await connection.ReadOnPeerToEndAsync());
    }

    [Theory]
    [InlineData(Ws2Def.AF_INET)]
    [InlineData(Ws2Def.AF_INET6)]
    public async Task WAITALL_fills_an_MDL_chain_with_exactly_what_the_peer_sent_and_nothing_outside_the_buffer(ushort family)
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client, family);
        byte[] payload = RandomBytes(3000, seed: 2);
        (Mdl chain, byte[][] backing) = ChainOf(0xEE, 10, 1, 2500, 600);
        var buffer = new WskBuf(chain, 4, (nuint)payload.Length); // 6 + 1 + 2500 + 493 bytes of the chain.
        var probe = new IrpProbe();

        NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, buffer, WskConstants.WSK_FLAG_WAITALL, probe.Irp);
        Assert.Equal(NtStatus.Pending, returned);

        // The first part alone cannot complete a WAITALL request.
        await connection.Peer.SendAsync(payload.AsMemory(0, 1000), SocketFlags.None, Ct);
        // The provider has taken all of the first part into the IRP (its progress says so), yet the request stays pending.
        var guard = System.Diagnostics.Stopwatch.StartNew();
        while (probe.Irp.IsPending && Volatile.Read(ref probe.Irp.Stack.Progress) < 1000)
        {
            Assert.True(guard.Elapsed < LoopbackConnection.HangGuard, "the first part never reached the request");
            await Task.Delay(1, Ct); // Paces the polling only: the loop ends on the request's own state.
        }

        Assert.True(probe.Irp.IsPending, "WAITALL completed before all the bytes arrived");
        Assert.Equal(0, probe.Count);

        await connection.Peer.SendAsync(payload.AsMemory(1000), SocketFlags.None, Ct);
        Assert.Equal(NtStatus.Success, await probe.WaitAsync());
        Assert.Equal((nuint)payload.Length, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);

        var gathered = new byte[payload.Length];
        Assert.Equal(payload.Length, buffer.CopyTo(gathered));
        Assert.Equal(payload, gathered);
        // Outside the buffer: the first 4 bytes of the first MDL, the last 107 of the last, and every guard byte.
        Assert.All(backing[0].AsSpan(0, 2 + 4).ToArray(), b => Assert.Equal(0xEE, b));
        Assert.All(backing[3].AsSpan(2 + 493).ToArray(), b => Assert.Equal(0xEE, b));
        Assert.All(backing.Select(a => a[^2..]), guard => Assert.Equal([0xEE, 0xEE], guard));
        Assert.All(backing.Select(a => a[..2]), guard => Assert.Equal([0xEE, 0xEE], guard));
    }

    [Fact]
    public async Task Without_WAITALL_a_receive_completes_with_what_has_arrived()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        var buffer = new byte[4096];

        NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(buffer)), 0, probe.Irp);
        await connection.Peer.SendAsync(new byte[] { 1, 2, 3, 4, 5 }, SocketFlags.None, Ct);

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));
        int n = (int)probe.Irp.IoStatus.Information;
        Assert.InRange(n, 1, 5);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }[..n], buffer[..n]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_graceful_close_by_the_peer_completes_a_receive_with_Information_0(bool receivePostedFirst)
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        var buffer = new WskBuf(new Mdl(new byte[64]));
        NtStatus returned = NtStatus.Pending;
        if (receivePostedFirst)
        {
            returned = connection.Dispatch.WskReceive(connection.Socket, buffer, WskConstants.WSK_FLAG_WAITALL, probe.Irp);
            Assert.Equal(NtStatus.Pending, returned);
        }

        connection.Peer.Shutdown(SocketShutdown.Send);
        if (!receivePostedFirst)
        {
            // The FIN may still be on its way: a receive posted now completes inline or when it lands.
            returned = connection.Dispatch.WskReceive(connection.Socket, buffer, 0, probe.Irp);
        }

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);
    }

    [Fact]
    public async Task A_graceful_close_during_WAITALL_completes_with_the_bytes_that_arrived()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        var memory = new byte[100];

        NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(memory)), WskConstants.WSK_FLAG_WAITALL, probe.Irp);
        await connection.Peer.SendAsync(new byte[] { 7, 8, 9 }, SocketFlags.None, Ct);
        connection.Peer.Shutdown(SocketShutdown.Send);

        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));
        Assert.Equal((nuint)3, probe.Irp.IoStatus.Information);
        Assert.Equal([7, 8, 9], memory[..3]);
    }

    [Fact]
    public async Task A_reset_by_the_peer_completes_a_pending_receive_with_STATUS_CONNECTION_RESET()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();

        NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(new byte[16])), 0, probe.Irp);
        Assert.Equal(NtStatus.Pending, returned);
        connection.Peer.LingerState = new LingerOption(true, 0);
        connection.Peer.Close(); // RST.

        Assert.Equal(NtStatus.ConnectionReset, await probe.WaitAsync());
        Assert.Equal(1, probe.Count);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Send_and_receive_before_connect_are_STATUS_INVALID_DEVICE_STATE(bool bound)
    {
        WskSocket socket = bound ? _client.CreateBoundSocket() : _client.CreateSocket();
        WskProviderConnectionDispatch d = WskTestClient.Connection(socket);
        var buffer = new WskBuf(new Mdl(new byte[8]));

        var send = new IrpProbe();
        Assert.Equal(NtStatus.InvalidDeviceState, d.WskSend(socket, buffer, 0, send.Irp));
        Assert.Equal(NtStatus.InvalidDeviceState, send.Irp.IoStatus.Status);
        Assert.Equal(0u, send.Irp.IoStatus.Information);
        Assert.Equal(1, send.Count);

        var receive = new IrpProbe();
        Assert.Equal(NtStatus.InvalidDeviceState, d.WskReceive(socket, buffer, WskConstants.WSK_FLAG_WAITALL, receive.Irp));
        Assert.Equal(NtStatus.InvalidDeviceState, receive.Irp.IoStatus.Status);
        Assert.Equal(1, receive.Count);
    }

    [Theory]
    [InlineData(true, 0x1u)]
    [InlineData(true, WskConstants.WSK_FLAG_WAITALL | 0x100u)]
    [InlineData(true, 0x80000000u)]
    [InlineData(false, 0x1u)]
    [InlineData(false, 0x100u)]
    [InlineData(false, WskConstants.WSK_FLAG_NODELAY | 0x10u)]
    public async Task Flags_the_call_does_not_define_are_STATUS_INVALID_PARAMETER_and_the_connection_stays_usable(bool receive, uint flags)
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        WskProviderConnectionDispatch d = connection.Dispatch;
        var probe = new IrpProbe();
        var memory = new byte[] { 1, 2, 3 };

        NtStatus returned = receive
            ? d.WskReceive(connection.Socket, new WskBuf(new Mdl(memory)), flags, probe.Irp)
            : d.WskSend(connection.Socket, new WskBuf(new Mdl(memory)), flags, probe.Irp);

        Assert.Equal(NtStatus.InvalidParameter, returned);
        Assert.Equal(NtStatus.InvalidParameter, probe.Irp.IoStatus.Status);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);

        // Nothing happened: the next send is the first thing the peer sees.
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(d.WskSend(connection.Socket, new WskBuf(new Mdl(new byte[] { 42 })),
            WskConstants.WSK_FLAG_NODELAY, probe.Irp), probe.Irp));
        Assert.Equal([42], await connection.ReadOnPeerAsync(1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_buffer_that_does_not_fit_its_chain_is_STATUS_INVALID_PARAMETER(bool receive)
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        WskProviderConnectionDispatch d = connection.Dispatch;
        var probe = new IrpProbe();
        var buffer = new WskBuf(new Mdl(new byte[8]), 2, 7);

        NtStatus returned = receive
            ? d.WskReceive(connection.Socket, buffer, 0, probe.Irp)
            : d.WskSend(connection.Socket, buffer, 0, probe.Irp);

        Assert.Equal(NtStatus.InvalidParameter, returned);
        Assert.Equal(NtStatus.InvalidParameter, probe.Irp.IoStatus.Status);
        Assert.Equal(1, probe.Count);
    }

    [Fact]
    public async Task A_4_MiB_send_goes_pending_and_completes_with_all_its_bytes_while_the_peer_reads_slowly()
    {
        const int Size = 4 << 20;
        // With the peer's receive buffer small, loopback absorbs about 3.5 MB while nobody reads (the sender's 4 MiB
        // SO_SNDBUF cap, less overhead, plus a few KB at the peer): 4 MiB cannot complete until the peer reads.
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client, peerReceiveBuffer: 8192);
        byte[] payload = RandomBytes(Size, seed: 4);
        // Four MDLs of 1 MiB over the payload, plus an offset: the 4 MiB start 1 byte into a 1 MiB + 1 first MDL.
        var head = new byte[(1 << 20) + 1];
        payload.AsSpan(0, 1 << 20).CopyTo(head.AsSpan(1));
        Mdl chain = Mdl.Chain(head, payload.AsMemory(1 << 20, 1 << 20), payload.AsMemory(2 << 20, 1 << 20), payload.AsMemory(3 << 20))!;
        var probe = new IrpProbe();

        NtStatus returned = connection.Dispatch.WskSend(connection.Socket, new WskBuf(chain, 1, Size), 0, probe.Irp);

        // Nobody has read yet, so the kernel cannot have taken 4 MiB: the request waits for the event loop.
        Assert.Equal(NtStatus.Pending, returned);
        Assert.True(probe.Irp.IsPending);

        var received = new byte[Size];
        int total = 0;
        for (int reads = 0; total < Size; reads++)
        {
            int n = await connection.Peer.ReceiveAsync(received.AsMemory(total, Math.Min(64 * 1024, Size - total)), SocketFlags.None, Ct)
                .AsTask().WaitAsync(LoopbackConnection.HangGuard, Ct);
            Assert.True(n > 0, $"the stream ended after {total} bytes");
            total += n;
            if (reads % 8 == 0)
            {
                await Task.Delay(1, Ct); // A slow reader.
            }
        }

        Assert.Equal(NtStatus.Success, await probe.WaitAsync());
        Assert.Equal((nuint)Size, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);
        Assert.True(payload.AsSpan().SequenceEqual(received), "the bytes received differ from the bytes sent");
    }

    [Fact]
    public async Task Sends_queued_back_to_back_arrive_in_order_and_each_completes_once_with_its_length()
    {
        const int Count = 100;
        // A first send larger than the connection can absorb while the peer does not read (see the 4 MiB test) keeps
        // the queue busy: every later send is posted behind a pending one.
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client, peerReceiveBuffer: 8192);
        var random = new Random(5);
        byte[][] messages = [RandomBytes(4 << 20, seed: 99), .. Enumerable.Range(1, Count - 1).Select(i => RandomBytes(random.Next(1, 20_000), seed: 100 + i))];
        byte[] expected = [.. messages.SelectMany(m => m)];
        var probes = new IrpProbe[Count];
        int pending = 0;
        Task<byte[]>? reader = null;

        for (int i = 0; i < Count; i++)
        {
            probes[i] = new IrpProbe();
            NtStatus returned = connection.Dispatch.WskSend(connection.Socket, new WskBuf(new Mdl(messages[i])), 0, probes[i].Irp);
            Assert.True(returned == NtStatus.Success || returned == NtStatus.Pending, $"send {i}: {returned}");
            Assert.True(i > 0 || returned == NtStatus.Pending, "the first send did not wait");
            pending += returned == NtStatus.Pending ? 1 : 0;

            // The peer starts reading once the queue is busy, so room opens up while later sends are being posted:
            // a send that jumped the queue would show up out of order.
            reader ??= connection.ReadOnPeerAsync(expected.Length);
            if (i % 10 == 0)
            {
                await Task.Delay(1, Ct);
            }
        }

        byte[] received = await reader!;

        Assert.True(expected.AsSpan().SequenceEqual(received), "the stream is not the sends in order");
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(NtStatus.Success, await probes[i].WaitAsync());
            Assert.Equal((nuint)messages[i].Length, probes[i].Irp.IoStatus.Information);
            Assert.Equal(1, probes[i].Count);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{pending} of {Count} sends returned STATUS_PENDING");
    }

    [Fact]
    public async Task Receives_queued_back_to_back_take_the_stream_in_order()
    {
        const int Count = 10, Each = 100;
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var buffers = new byte[Count][];
        var probes = new IrpProbe[Count];
        for (int i = 0; i < Count; i++)
        {
            buffers[i] = new byte[Each];
            probes[i] = new IrpProbe();
            Assert.Equal(NtStatus.Pending, connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(buffers[i])),
                WskConstants.WSK_FLAG_WAITALL, probes[i].Irp));
        }

        byte[] stream = RandomBytes(Count * Each, seed: 6);
        await connection.Peer.SendAsync(stream, SocketFlags.None, Ct);

        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(NtStatus.Success, await probes[i].WaitAsync());
            Assert.Equal((nuint)Each, probes[i].Irp.IoStatus.Information);
            Assert.Equal(stream.AsSpan(i * Each, Each).ToArray(), buffers[i]);
            Assert.Equal(1, probes[i].Count);
        }
    }

    [Fact]
    public async Task WskCloseSocket_completes_a_pending_receive_with_STATUS_CANCELLED_before_it_returns()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        Assert.Equal(NtStatus.Pending, connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(new byte[8])), 0, probe.Irp));
        var close = new IrpProbe();

        Assert.Equal(NtStatus.Success, connection.Dispatch.Basic.WskCloseSocket(connection.Socket, close.Irp));

        Assert.Equal(1, probe.Count); // Completed before the close returned.
        Assert.Equal(NtStatus.Cancelled, probe.Irp.IoStatus.Status);
        Assert.Equal(NtStatus.Cancelled, await probe.WaitAsync());
        Assert.Equal(NtStatus.Success, close.Irp.IoStatus.Status);
        Assert.Equal(1, close.Count);

        // The socket is dead: send and receive are refused, never crash.
        Assert.Equal(NtStatus.InvalidHandle, connection.Dispatch.WskSend(connection.Socket, new WskBuf(new Mdl(new byte[1])), 0, new Irp()));
        Assert.Equal(NtStatus.InvalidHandle, connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(new byte[1])), 0, new Irp()));
    }

    public void Dispose() => _client.Dispose();
}

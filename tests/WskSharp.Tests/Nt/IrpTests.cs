using System.Net.Sockets;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Nt;

/// <summary>
/// The IRP contract of WSK-REFERENCE.md, through real WSK calls: a call returns a status and completes its IRP exactly
/// once; the completion routine runs before an awaiter resumes; a routine returning STATUS_MORE_PROCESSING_REQUIRED
/// keeps the IRP; an IRP is reusable; a pending IRP can be cancelled, and is refused by any other call.
/// </summary>
public sealed class IrpTests : IDisposable
{
    private readonly WskTestClient _client = new();

    /// <summary>A call the provider refuses before any I/O (WskBind takes no flags): the cheapest way to complete an IRP.</summary>
    private static NtStatus RefusedBind(WskSocket socket, Irp irp) =>
        WskTestClient.Connection(socket).WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 1, irp);

    /// <summary>A WskReceive that stays pending: the peer is connected and sends nothing.</summary>
    private static NtStatus PendingReceive(LoopbackConnection connection, byte[] buffer, Irp irp)
    {
        NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(buffer)), 0, irp);
        Assert.Equal(NtStatus.Pending, returned);
        Assert.True(irp.IsPending);
        return returned;
    }

    [Fact]
    public async Task A_refused_call_completes_the_IRP_once_before_returning_and_replaces_the_sentinel()
    {
        WskSocket socket = _client.CreateSocket();
        var probe = new IrpProbe();

        NtStatus returned = RefusedBind(socket, probe.Irp);

        Assert.Equal(NtStatus.InvalidParameter, returned);
        Assert.Equal(1, probe.Count); // The routine ran before the call returned.
        Assert.Equal(NtStatus.InvalidParameter, probe.SeenStatus); // ... with the result already in the IRP.
        Assert.Equal(NtStatus.InvalidParameter, probe.Irp.IoStatus.Status);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Null(probe.Irp.IoStatus.Pointer);
        Assert.False(probe.Irp.IsPending);
        Assert.Equal(1, probe.Irp.CompletionCount);
        Assert.Equal(NtStatus.InvalidParameter, await probe.Irp);
        Assert.Equal(1, probe.Count); // Awaiting does not complete it again.
    }

    [Fact]
    public async Task A_pending_request_runs_its_completion_routine_once_before_await_returns()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        var buffer = new byte[16];
        PendingReceive(connection, buffer, probe.Irp);
        Assert.Equal(0, probe.Count);
        Assert.Equal(0, probe.Irp.CompletionCount);

        await connection.Peer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, TestContext.Current.CancellationToken);
        NtStatus status = await probe.WaitAsync();

        Assert.Equal(1, probe.Count); // Already run when the awaiter resumed.
        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(NtStatus.Success, probe.SeenStatus);
        Assert.Equal((nuint)3, probe.SeenInformation);
        Assert.Equal((nuint)3, probe.Irp.IoStatus.Information);
        Assert.Equal([1, 2, 3], buffer[..3]);
        Assert.Equal(1, probe.Irp.CompletionCount);
        Assert.False(probe.Irp.IsPending);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_IRP_stays_with_the_caller_whatever_its_routine_returns_and_is_reusable(bool moreProcessingRequired)
    {
        WskSocket socket = _client.CreateSocket();
        var probe = new IrpProbe(moreProcessingRequired ? NtStatus.MoreProcessingRequired : NtStatus.Success);

        Assert.Equal(NtStatus.InvalidParameter, RefusedBind(socket, probe.Irp));
        Assert.Equal(1, probe.Count);

        // The same IRP, straight into the next call: a successful bind this time.
        probe.Arm();
        NtStatus second = WskTestClient.Connection(socket).WskBind(socket, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, probe.Irp);

        Assert.Equal(NtStatus.Success, second);
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Equal(2, probe.Count);
        Assert.Equal(2, probe.Irp.CompletionCount);
    }

    [Fact]
    public void Reuse_is_IoReuseIrp_it_clears_the_result_the_cancel_flag_PendingReturned_and_the_routine_and_sets_the_status()
    {
        WskSocket socket = _client.CreateSocket();
        var probe = new IrpProbe();
        Assert.Equal(NtStatus.InvalidParameter, RefusedBind(socket, probe.Irp));
        probe.Irp.IoStatus.Information = 77;
        probe.Irp.IoStatus.Pointer = IrpProbe.SentinelPointer;

        probe.Irp.Reuse(NtStatus.NotSupported);

        Assert.Equal(NtStatus.NotSupported, probe.Irp.IoStatus.Status); // IoReuseIrp(Irp, Status) puts Status there.
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Null(probe.Irp.IoStatus.Pointer);
        Assert.False(probe.Irp.CancelRequested);
        Assert.False(probe.Irp.PendingReturned);
        Assert.False(probe.Irp.IsPending);
        Assert.Equal(1, probe.Irp.CompletionCount); // Reuse is not a completion.

        Assert.Equal(NtStatus.InvalidParameter, RefusedBind(socket, probe.Irp));
        Assert.Equal(1, probe.Count); // The routine went with the reuse, as the stack location does in Windows.
        Assert.Equal(2, probe.Irp.CompletionCount);
    }

    [Fact]
    public async Task Reuse_after_completion_serves_a_second_request_and_each_request_completes_exactly_once()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        var buffer = new byte[8];

        for (int request = 1; request <= 5; request++)
        {
            probe.Reused();
            NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(buffer)), 0, probe.Irp);
            await connection.Peer.SendAsync(new[] { (byte)request }, SocketFlags.None, TestContext.Current.CancellationToken);
            Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));

            Assert.Equal((nuint)1, probe.Irp.IoStatus.Information);
            Assert.Equal((byte)request, buffer[0]);
            Assert.Equal(request, probe.Irp.CompletionCount);
            Assert.Equal(request, probe.Count);
        }
    }

    [Fact]
    public async Task PendingReturned_is_false_for_a_call_that_completed_before_returning_and_true_for_one_that_returned_STATUS_PENDING()
    {
        WskSocket socket = _client.CreateSocket();
        var irp = new Irp();
        bool? seen = null;
        irp.SetCompletionRoutine((done, _) => { seen = done.PendingReturned; return NtStatus.MoreProcessingRequired; }, null);

        Assert.Equal(NtStatus.InvalidParameter, RefusedBind(socket, irp));
        Assert.False(seen);
        Assert.False(irp.PendingReturned);

        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        seen = null;
        PendingReceive(connection, new byte[4], irp);
        Assert.False(irp.PendingReturned); // Not yet completed: the flag belongs to the completion.
        await connection.Peer.SendAsync(new byte[] { 1 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await irp);
        Assert.True(seen);
        Assert.True(irp.PendingReturned);

        // A cancelled pending request also returned STATUS_PENDING.
        seen = null;
        PendingReceive(connection, new byte[4], irp);
        Assert.True(irp.Cancel());
        Assert.Equal(NtStatus.Cancelled, await irp);
        Assert.True(seen);
    }

    [Fact]
    public async Task An_awaiter_resuming_on_one_thread_never_holds_up_a_new_request_on_the_same_IRP_from_another()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var irp = new Irp();
        var buffer = new byte[4];
        PendingReceive(connection, buffer, irp);
        Task<NtStatus> resubmittedElsewhere = Task.FromResult(NtStatus.Unsuccessful);

        async Task AwaitThenResubmitElsewhere()
        {
            // Registered before the data is sent, so the continuation runs on the thread that completes the IRP.
            Assert.Equal(NtStatus.Success, await irp);
            // Still inside the continuation of the first request: another thread submits the next one, and this
            // continuation waits for that call to return. Before, TryStart spun until this continuation returned.
            resubmittedElsewhere = Task.Run(() => connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(buffer)), 0, irp));
            Assert.True(resubmittedElsewhere.Wait(TimeSpan.FromSeconds(20)), "the second call waited for the first one's awaiter");
        }

        Task awaiting = AwaitThenResubmitElsewhere();
        await connection.Peer.SendAsync(new byte[] { 1 }, SocketFlags.None, TestContext.Current.CancellationToken);
        await awaiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(NtStatus.Pending, await resubmittedElsewhere);
        await connection.Peer.SendAsync(new byte[] { 2 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await irp);
        Assert.Equal(2, buffer[0]);
        Assert.Equal(2, irp.CompletionCount);
    }

    [Fact]
    public void Cancel_on_an_IRP_that_is_not_pending_returns_false()
    {
        var fresh = new Irp();
        Assert.False(fresh.Cancel());
        Assert.False(fresh.CancelRequested);

        WskSocket socket = _client.CreateSocket();
        var probe = new IrpProbe();
        Assert.Equal(NtStatus.InvalidParameter, RefusedBind(socket, probe.Irp));
        Assert.False(probe.Irp.Cancel());
        Assert.False(probe.Irp.CancelRequested);
        Assert.Equal(NtStatus.InvalidParameter, probe.Irp.IoStatus.Status); // A completed result is not turned into CANCELLED.
        Assert.Equal(1, probe.Count);
    }

    [Fact]
    public async Task A_pending_IRP_cannot_change_its_routine_or_be_reused_and_Cancel_completes_it_once_with_STATUS_CANCELLED()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        var probe = new IrpProbe();
        PendingReceive(connection, new byte[16], probe.Irp);

        Assert.Throws<InvalidOperationException>(() => probe.Irp.SetCompletionRoutine(null, null));
        Assert.Throws<InvalidOperationException>(() => probe.Irp.Reuse(NtStatus.Success));
        Assert.True(probe.Irp.IsPending);
        Assert.Equal(0, probe.Count);

        Assert.True(probe.Irp.Cancel());
        Assert.True(probe.Irp.CancelRequested);
        Assert.Equal(NtStatus.Cancelled, await probe.WaitAsync());
        Assert.Equal(NtStatus.Cancelled, probe.SeenStatus); // The routine that was set before the call still ran.
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        Assert.Equal(1, probe.Count);
        Assert.Equal(1, probe.Irp.CompletionCount);

        Assert.False(probe.Irp.Cancel());
        Assert.Equal(1, probe.Count);
        Assert.Equal(1, probe.Irp.CompletionCount);
        Assert.Equal(NtStatus.Cancelled, probe.Irp.IoStatus.Status);

        // The socket still works after a cancelled receive: the next one gets the data.
        var next = new IrpProbe();
        var buffer = new byte[4];
        NtStatus returned = connection.Dispatch.WskReceive(connection.Socket, new WskBuf(new Mdl(buffer)), 0, next.Irp);
        await connection.Peer.SendAsync(new byte[] { 9 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, next.Irp));
        Assert.Equal((nuint)1, next.Irp.IoStatus.Information);
        Assert.Equal(9, buffer[0]);
    }

    [Fact]
    public async Task A_pending_IRP_passed_to_another_call_is_refused_and_left_untouched()
    {
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        WskSocket other = _client.CreateSocket();
        var probe = new IrpProbe();
        var buffer = new byte[16];
        PendingReceive(connection, buffer, probe.Irp);
        Irp irp = probe.Irp;
        irp.IoStatus.Status = IrpProbe.Sentinel; // Whatever is in the pending IRP must survive every refusal.
        irp.IoStatus.Information = IrpProbe.SentinelInformation;
        int openSockets = _client.Npi.Client.OpenSockets;
        var data = new WskBuf(new Mdl(new byte[] { 0xEE, 0xEE }));
        Span<byte> dword = stackalloc byte[4];
        dword[0] = 1;

        WskProviderConnectionDispatch d = connection.Dispatch;
        Assert.Equal(NtStatus.InvalidParameter, d.WskReceive(connection.Socket, new WskBuf(new Mdl(new byte[4])), 0, irp));
        Assert.Equal(NtStatus.InvalidParameter, d.WskSend(connection.Socket, data, 0, irp));
        Assert.Equal(NtStatus.InvalidParameter, d.WskBind(other, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, irp));
        Assert.Equal(NtStatus.InvalidParameter, d.WskConnect(other, WskTestClient.Loopback(Ws2Def.AF_INET, 9), 0, irp));
        Assert.Equal(NtStatus.InvalidParameter, d.WskGetRemoteAddress(connection.Socket, out _, irp));
        Assert.Equal(NtStatus.InvalidParameter, d.Basic.WskControlSocket(connection.Socket, WskControlSocketType.WskSetOption,
            Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 4, dword, 0, default, out _, irp));
        Assert.Equal(NtStatus.InvalidParameter, d.Basic.WskCloseSocket(other, irp));
        Assert.Equal(NtStatus.InvalidParameter, _client.Npi.Dispatch.WskSocket(_client.Npi.Client, Ws2Def.AF_INET, Ws2Def.SOCK_STREAM,
            Ws2Def.IPPROTO_TCP, WskConstants.WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp));

        // Untouched: still pending, its IoStatus as it was, no completion, and none of the refused calls acted.
        Assert.True(irp.IsPending);
        Assert.Equal(IrpProbe.Sentinel, irp.IoStatus.Status);
        Assert.Equal(IrpProbe.SentinelInformation, irp.IoStatus.Information);
        Assert.Equal(0, probe.Count);
        Assert.Equal(0, irp.CompletionCount);
        Assert.Equal(openSockets, _client.Npi.Client.OpenSockets); // No socket was created, none was closed.
        Span<byte> noDelay = stackalloc byte[4];
        Assert.Equal(NtStatus.Success, d.Basic.WskControlSocket(connection.Socket, WskControlSocketType.WskGetOption,
            Ws2Def.TCP_NODELAY, Ws2Def.IPPROTO_TCP, 0, default, 4, noDelay, out _, null));
        Assert.Equal(0, noDelay[0]); // The refused set did not happen.
        Assert.Equal(NtStatus.Success, d.WskBind(other, WskTestClient.Loopback(Ws2Def.AF_INET, 0), 0, new Irp())); // Still open, unbound.

        // And it still belongs to its receive: data completes it, once, with the bytes.
        await connection.Peer.SendAsync(new byte[] { 5, 6 }, SocketFlags.None, TestContext.Current.CancellationToken);
        Assert.Equal(NtStatus.Success, await probe.WaitAsync());
        Assert.Equal((nuint)2, irp.IoStatus.Information);
        Assert.Equal([5, 6], buffer[..2]);
        Assert.Equal(1, probe.Count);
        Assert.Equal(1, irp.CompletionCount);

        // The refused send put nothing on the wire: a graceful close leaves the peer with an empty stream.
        Assert.Equal(NtStatus.Success, d.Basic.WskCloseSocket(connection.Socket, new Irp()));
        Assert.Empty(await connection.ReadOnPeerToEndAsync());
    }

    [Fact]
    public async Task Awaiting_an_IRP_that_was_never_submitted_throws()
    {
        var irp = new Irp();
        Assert.Throws<InvalidOperationException>(() => { _ = irp.AsValueTask().AsTask(); });
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await irp);
        Assert.Equal(0, irp.CompletionCount);
    }

    [Fact]
    public async Task Cancel_racing_data_arrival_completes_every_request_exactly_once_and_loses_no_byte()
    {
        const int Iterations = 200, Chunk = 4;
        using LoopbackConnection connection = await LoopbackConnection.OpenAsync(_client);
        WskProviderConnectionDispatch d = connection.Dispatch;
        var probe = new IrpProbe();
        var buffer = new byte[64];
        var drain = new Irp();
        var received = new List<byte>();
        int cancelled = 0, succeeded = 0;
        var jitter = new Random(7);

        for (int i = 0; i < Iterations; i++)
        {
            byte[] chunk = [.. Enumerable.Range(i * Chunk, Chunk).Select(b => (byte)b)];
            PendingReceive(connection, buffer, probe.Irp); // The stream is empty at the start of every round.

            // Both threads spin hot to a common start, then each waits a random few microseconds: sometimes the data
            // lands first, sometimes the cancel, sometimes they meet inside the provider.
            int ready = 0, go = 0;
            int sendDelay = jitter.Next(0, 1000), cancelDelay = jitter.Next(0, 10_000);
            Task send = Task.Run(() =>
            {
                Volatile.Write(ref ready, 1);
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref go) == 1, LoopbackConnection.HangGuard));
                Thread.SpinWait(sendDelay);
                connection.Peer.Send(chunk, SocketFlags.None);
            }, TestContext.Current.CancellationToken);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref ready) == 1, LoopbackConnection.HangGuard));
            Volatile.Write(ref go, 1);
            Thread.SpinWait(cancelDelay);
            probe.Irp.Cancel();

            NtStatus status = await probe.WaitAsync();
            await send.WaitAsync(LoopbackConnection.HangGuard, TestContext.Current.CancellationToken);

            Assert.Equal(i + 1, probe.Irp.CompletionCount);
            Assert.Equal(i + 1, probe.Count);
            Assert.False(probe.Irp.IsPending);
            int information = (int)probe.Irp.IoStatus.Information;
            if (status == NtStatus.Success)
            {
                Assert.InRange(information, 1, Chunk);
                received.AddRange(buffer.AsSpan(0, information));
                succeeded++;
            }
            else
            {
                Assert.Equal(NtStatus.Cancelled, status);
                Assert.Equal(0, information);
                cancelled++;
            }

            // What the cancelled request did not take is still in the stream, in order: read it before the next round.
            int rest = (i + 1) * Chunk - received.Count;
            if (rest > 0)
            {
                var tail = new byte[rest];
                NtStatus returned = d.WskReceive(connection.Socket, new WskBuf(new Mdl(tail)), WskConstants.WSK_FLAG_WAITALL, drain);
                Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, drain));
                Assert.Equal((nuint)rest, drain.IoStatus.Information);
                received.AddRange(tail);
            }
        }

        // Nothing lost, nothing twice, nothing out of order.
        Assert.Equal(Enumerable.Range(0, Iterations * Chunk).Select(b => (byte)b), received);
        TestContext.Current.TestOutputHelper?.WriteLine($"{succeeded} completed with data, {cancelled} cancelled");
    }

    public void Dispose() => _client.Dispose();
}

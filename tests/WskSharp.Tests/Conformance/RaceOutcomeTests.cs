using WskSharp.Nt;
using WskSharp.Transport.Simulated;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>
/// Each outcome of the cancel-vs-completion and close-vs-connect races, driven on purpose on the simulated network, whose
/// clock can be held (<see cref="SimulatedNetwork.Hold"/>: calls made meanwhile only queue their work). The real-stack
/// versions (<see cref="ConformanceTests"/>) loop and accept either outcome, so on their own they pass even when no race
/// happens; here every outcome is reached in every run: cancel before the data arrives (CANCELLED, and the byte is not
/// lost), cancel after completion (SUCCESS, Cancel returns false), cancel while the completion routine runs (SUCCESS,
/// false), close while the SYN is unanswered (the connect completes once, CANCELLED), close after the connect (SUCCESS, once).
/// With the completions on the thread pool and on the network's thread.
/// </summary>
[Collection(Reliability.ReliabilityCollection.Name)]
public sealed class RaceOutcomeTests
{
    private static WskProviderConnectionDispatch Conn(WskSocket socket) => WskTestClient.Connection(socket);

    private static async Task OnNetworkAsync(bool completeOnEventLoop, Func<SimulatedNetwork, WskTestClient, WskTestClient, Task> body)
    {
        using TestTransport transport = TestTransport.Simulated(completeOnEventLoop: completeOnEventLoop);
        await transport.WithClientsAsync((client, server) => body(transport.Network!, client, server));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_cancel_before_the_data_arrives_completes_the_receive_CANCELLED_and_the_byte_goes_to_the_next_receive(bool completeOnEventLoop)
        => OnNetworkAsync(completeOnEventLoop, async (network, client, server) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        var buffer = new byte[1];
        var probe = new IrpProbe();
        Task send;
        bool cancelCalled;
        using (network.Hold())
        {
            Assert.Equal(NtStatus.Pending, Conn(a).WskReceive(a, new WskBuf(new Mdl(buffer)), 0, probe.Irp));
            send = WskTestClient.SendAsync(b, [42]); // Queued: the byte cannot arrive while the clock is held.
            cancelCalled = probe.Irp.Cancel();
        }

        Assert.Equal(NtStatus.Cancelled, await probe.WaitAsync());
        Assert.True(cancelCalled);
        Assert.Equal(1, probe.Count);
        Assert.Equal(0u, probe.Irp.IoStatus.Information);
        await send;
        Assert.Equal([42], await WskTestClient.ReceiveAsync(a, 1)); // Not lost: the next receive gets it.
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_cancel_after_completion_changes_nothing_the_receive_keeps_SUCCESS_and_Cancel_returns_false(bool completeOnEventLoop)
        => OnNetworkAsync(completeOnEventLoop, async (network, client, server) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        var buffer = new byte[1];
        var probe = new IrpProbe();
        Assert.Equal(NtStatus.Pending, Conn(a).WskReceive(a, new WskBuf(new Mdl(buffer)), 0, probe.Irp));
        await WskTestClient.SendAsync(b, [42]);
        Assert.Equal(NtStatus.Success, await probe.WaitAsync());

        Assert.False(probe.Irp.Cancel());
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal(1u, probe.Irp.IoStatus.Information);
        Assert.Equal(42, buffer[0]);
        Assert.Equal(1, probe.Count);
    });

    [Fact]
    public Task A_cancel_while_the_completion_routine_runs_returns_false_and_the_receive_keeps_SUCCESS()
        => OnNetworkAsync(completeOnEventLoop: false, async (network, client, server) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        var buffer = new byte[1];
        var irp = new Irp();
        using var inRoutine = new ManualResetEventSlim();
        using var leave = new ManualResetEventSlim();
        int runs = 0;
        irp.SetCompletionRoutine((_, _) =>
        {
            Interlocked.Increment(ref runs);
            inRoutine.Set();
            leave.Wait(LoopbackConnection.HangGuard); // Holds the completion here while the test cancels.
            return NtStatus.MoreProcessingRequired;
        }, null);
        Assert.Equal(NtStatus.Pending, Conn(a).WskReceive(a, new WskBuf(new Mdl(buffer)), 0, irp));
        await WskTestClient.SendAsync(b, [42]);
        Assert.True(inRoutine.Wait(LoopbackConnection.HangGuard, TestContext.Current.CancellationToken));

        bool cancelled = irp.Cancel(); // The request is completing: too late to cancel.
        leave.Set();
        Assert.Equal(NtStatus.Success, await irp.AsValueTask().AsTask().WaitAsync(LoopbackConnection.HangGuard, TestContext.Current.CancellationToken));
        Assert.False(cancelled);
        Assert.Equal(1u, irp.IoStatus.Information);
        Assert.Equal(42, buffer[0]);
        Assert.Equal(1, Volatile.Read(ref runs));
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_close_while_the_SYN_is_unanswered_completes_the_connect_once_CANCELLED(bool completeOnEventLoop)
        => OnNetworkAsync(completeOnEventLoop, async (network, client, server) =>
    {
        var (_, address) = server.CreateListener();
        WskSocket socket = client.CreateBoundSocket();
        var probe = new IrpProbe();
        using (network.Hold())
        {
            // The SYN and its answer wait for the clock: the connect is pending when the socket closes.
            Assert.Equal(NtStatus.Pending, Conn(socket).WskConnectEx(socket, address, new WskBuf(new Mdl(new byte[16])), 0, probe.Irp));
            Assert.Equal(NtStatus.Success, Conn(socket).Basic.WskCloseSocket(socket, new Irp()));
        }

        Assert.Equal(NtStatus.Cancelled, await probe.WaitAsync());
        await client.ConnectAsync(address); // The network has run on past the closed socket's SYN and whatever answered it.
        Assert.Equal(1, probe.Count);
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_close_after_the_connect_completed_leaves_it_SUCCESS_once(bool completeOnEventLoop)
        => OnNetworkAsync(completeOnEventLoop, async (network, client, server) =>
    {
        var (_, address) = server.CreateListener();
        WskSocket socket = client.CreateBoundSocket();
        var probe = new IrpProbe();
        NtStatus returned = Conn(socket).WskConnectEx(socket, address, new WskBuf(new Mdl(new byte[16])), 0, probe.Irp);
        Assert.Equal(NtStatus.Success, await WskTestClient.Complete(returned, probe.Irp));

        Assert.Equal(NtStatus.Success, Conn(socket).Basic.WskCloseSocket(socket, new Irp()));
        await client.ConnectAsync(address);
        Assert.Equal(NtStatus.Success, probe.Irp.IoStatus.Status);
        Assert.Equal(1, probe.Count);
    });
}

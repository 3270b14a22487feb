using System.Net.Sockets;
using WskSharp.Net;
using WskSharp.Nt;
using WskSharp.Tests.Net;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Nt;

/// <summary>
/// No operation waits for unrelated user code. The continuation of an awaited receive runs on the thread that completed
/// its IRP; once it runs, the IRP (and the connection's receive slot) belong to their owner again, so a receive that
/// another thread starts then, on the same connection with the same reused IRP, must return (pending or complete) while
/// that continuation is still running. Each test's continuation lets the other thread start its receive and blocks until
/// that receive has returned, bounded by a guard: a receive that waited for the continuation to return would wait for it
/// until the guard ran out.
/// </summary>
public sealed class UnrelatedUserCodeTests
{
    /// <summary>Far longer than a receive call takes to return: a hang guard, not a timing claim.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task In_the_continuation_of_ReceiveAsync_a_ReceiveAsync_started_on_another_thread_returns_without_waiting_for_it()
    {
        await using NetTestPeer pair = await NetTestPeer.OpenAsync();
        WskConnection connection = pair.Connection;
        byte[] first = new byte[1], second = new byte[1];
        using var other = new OtherThread<int>(() => connection.ReceiveAsync(second, Ct).AsTask());

        // On the thread pool (no synchronisation context), so the continuation resumes inline on the completing thread. The
        // continuation is registered (ContinueAsync has reached its await) before the peer sends the byte that completes it.
        Task<bool> continuation = await Task.Factory.StartNew(() =>
        {
            ValueTask<int> receive = connection.ReceiveAsync(first, Ct);
            Assert.False(receive.IsCompleted); // Nothing sent yet: it completes later, on the thread that completes its IRP.
            return ContinueAsync(receive);
        }, Ct, TaskCreationOptions.None, TaskScheduler.Default);

        async Task<bool> ContinueAsync(ValueTask<int> receive)
        {
            Assert.Equal(1, await receive.ConfigureAwait(false));
            return other.StartAndWaitForReturn(Guard); // Still inside the continuation.
        }

        await pair.Peer.SendAsync(new byte[] { 1 }, SocketFlags.None, Ct);

        Assert.True(await continuation.WaitAsync(2 * Guard, Ct),
            "the ReceiveAsync started on another thread did not return while the previous receive's continuation ran");
        await pair.Peer.SendAsync(new byte[] { 2 }, SocketFlags.None, Ct);
        Assert.Equal(1, await other.Started!.WaitAsync(Guard, Ct));
        Assert.Equal([1, 2], new[] { first[0], second[0] });
    }

    /// <remarks>With completions on the event loop (opted in) the continuation runs inline on the thread that completed the
    /// IRP: the case where a new request could wait for it (by default it hops to the thread pool first).</remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task In_the_continuation_of_await_irp_a_WskReceive_with_that_IRP_on_another_thread_returns_without_waiting_for_it(bool completeOnEventLoop)
    {
        using var client = new WskTestClient(new WskProviderOptions { CompleteOnEventLoop = completeOnEventLoop });
        using LoopbackConnection pair = await LoopbackConnection.OpenAsync(client);
        byte[] first = new byte[1], second = new byte[1];
        var irp = new Irp();
        using var other = new OtherThread<NtStatus>(() =>
            WskTestClient.Complete(pair.Dispatch.WskReceive(pair.Socket, new WskBuf(new Mdl(second)), 0, irp), irp));

        Task<bool> continuation = await Task.Factory.StartNew(() =>
        {
            Assert.Equal(NtStatus.Pending, pair.Dispatch.WskReceive(pair.Socket, new WskBuf(new Mdl(first)), 0, irp));
            return ContinueAsync(); // Returns at its await, the continuation registered: only then does the peer send.
        }, Ct, TaskCreationOptions.None, TaskScheduler.Default);

        async Task<bool> ContinueAsync()
        {
            Assert.Equal(NtStatus.Success, await irp); // Resumes on the thread that completed the IRP (no context here).
            Assert.Equal(1u, irp.IoStatus.Information);
            return other.StartAndWaitForReturn(Guard); // Still inside the continuation.
        }

        await pair.Peer.SendAsync(new byte[] { 1 }, SocketFlags.None, Ct);

        Assert.True(await continuation.WaitAsync(2 * Guard, Ct),
            "the WskReceive started on another thread with the completed IRP did not return while the awaiter's continuation ran");
        await pair.Peer.SendAsync(new byte[] { 2 }, SocketFlags.None, Ct);
        Assert.Equal(NtStatus.Success, await other.Started!.WaitAsync(Guard, Ct));
        Assert.Equal([1, 2], new[] { first[0], second[0] });
    }

    /// <summary>A thread that starts one call when told to, and says when that call has returned (its task may still be pending).</summary>
    private sealed class OtherThread<T> : IDisposable
    {
        private readonly ManualResetEventSlim _go = new();
        private readonly ManualResetEventSlim _returned = new();
        private readonly Thread _thread;

        public OtherThread(Func<Task<T>> call)
        {
            _thread = new Thread(() =>
            {
                _go.Wait();
                try
                {
                    Started = call();
                }
                catch (Exception ex)
                {
                    Started = Task.FromException<T>(ex);
                }

                _returned.Set();
            })
            { IsBackground = true, Name = "other thread" };
            _thread.Start();
        }

        /// <summary>The call's task, once it has returned.</summary>
        public Task<T>? Started { get; private set; }

        /// <summary>Lets the thread make its call, and waits (at most <paramref name="guard"/>) until the call has returned.</summary>
        public bool StartAndWaitForReturn(TimeSpan guard)
        {
            _go.Set();
            return _returned.Wait(guard);
        }

        public void Dispose()
        {
            _go.Set();
            _thread.Join(Guard); // Bounded: in a failure the call may still be waiting for the continuation this runs in.
            _go.Dispose();
            _returned.Dispose();
        }
    }
}

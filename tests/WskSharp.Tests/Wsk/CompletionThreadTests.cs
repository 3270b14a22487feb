using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// Where a request that completes later finishes: its completion routine on the event loop (as a WSK provider completes
/// IRPs at DISPATCH_LEVEL), the code awaiting it on the thread pool by default and on the event loop too with
/// <see cref="WskProviderOptions.CompleteOnEventLoop"/>; a call made from the routine or the continuation (a send, the next
/// receive) works and completes in turn, and no provider lock is held while caller code runs. The watchdog names a routine
/// that holds the event loop.
/// </summary>
public sealed class CompletionThreadTests
{
    /// <summary>Every event loop's thread is "WskSharp epoll N" (N: the loop's number in its registration).</summary>
    private const string EventLoop = "WskSharp epoll ";

    private static async Task<(string RoutineThread, string ContinuationThread)> ThreadsOfAReceiveAsync(bool completeOnEventLoop)
    {
        using var client = new WskTestClient(new WskProviderOptions { CompleteOnEventLoop = completeOnEventLoop });
        var (a, b) = await client.ConnectPairAsync(client);
        var irp = new Irp();
        string routineThread = "";
        irp.SetCompletionRoutine((_, _) => { routineThread = Thread.CurrentThread.Name ?? "pool"; return NtStatus.MoreProcessingRequired; }, null);
        Assert.Equal(NtStatus.Pending, WskTestClient.Connection(a).WskReceive(a, new WskBuf(new Mdl(new byte[4])), 0, irp));
        // The continuation is registered (ContinueAsync returns at its await) before the data is sent: awaited after the send,
        // the IRP could already be complete under load, and the continuation would run on the awaiting thread instead.
        Task<string> continuation = ContinueAsync();
        await WskTestClient.SendAsync(b, [1, 2, 3, 4]);
        string continuationThread = await continuation; // Before the tuple reads routineThread, which the routine set.
        return (routineThread, continuationThread);

        async Task<string> ContinueAsync()
        {
            NtStatus status = await irp;
            string thread = Thread.CurrentThread.Name ?? "pool";

            // From here (the event loop, in that mode): a send and a receive that completes later, awaited in turn.
            Assert.Equal(NtStatus.Success, status);
            Task<byte[]> echoed = WskTestClient.ReceiveAsync(a, 3);
            await WskTestClient.SendAsync(b, [5, 6, 7]);
            Assert.Equal(new byte[] { 5, 6, 7 }, await echoed);
            return thread;
        }
    }

    [Fact]
    public async Task By_default_the_routine_runs_on_the_event_loop_and_the_awaiting_code_on_the_thread_pool()
    {
        var (routine, continuation) = await ThreadsOfAReceiveAsync(completeOnEventLoop: false);
        Assert.StartsWith(EventLoop, routine, StringComparison.Ordinal);
        Assert.False(continuation.StartsWith(EventLoop, StringComparison.Ordinal), continuation);
    }

    [Fact]
    public async Task The_NET_face_resumes_its_callers_off_the_event_loop_by_default_so_code_that_blocks_after_an_await_is_safe()
    {
        var listener = WskSharp.Net.WskListener.Start(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await using (listener)
        {
            Task<WskSharp.Net.WskConnection> accepting = listener.AcceptAsync(TestContext.Current.CancellationToken).AsTask();
            await using WskSharp.Net.WskConnection connection = await WskSharp.Net.WskConnection.ConnectAsync(listener.LocalEndPoint,
                new byte[] { 1 }, cancellationToken: TestContext.Current.CancellationToken);
            await using WskSharp.Net.WskConnection server = await accepting;
            Assert.Equal(1, await server.ReceiveAsync(new byte[1], TestContext.Current.CancellationToken));

            var (thread, otherCompleted) = await ReceiveThenBlockAsync(server, connection);

            Assert.False(thread?.StartsWith(EventLoop, StringComparison.Ordinal) == true, thread);
            Assert.True(otherCompleted, "blocking after an await stalled the provider");
        }
    }

    /// <summary>Awaits a receive, then blocks in its continuation as user code may, while another exchange must complete.</summary>
    private static async Task<(string? Thread, bool OtherCompleted)> ReceiveThenBlockAsync(WskSharp.Net.WskConnection server,
        WskSharp.Net.WskConnection client)
    {
        var buffer = new byte[1];
        ValueTask<int> pending = server.ReceiveAsync(buffer);
        await client.SendAsync(new byte[] { 2 });
        int n = await pending.ConfigureAwait(false);
        string? thread = Thread.CurrentThread.Name;
        Task<int> other = Task.Run(async () =>
        {
            Task<int> next = server.ReceiveAsync(new byte[1]).AsTask();
            await client.SendAsync(new byte[] { 3 });
            return await next;
        });
        return (thread, n == 1 && other.Wait(TimeSpan.FromSeconds(20)) && other.Result == 1);
    }

    [Fact]
    public async Task With_CompleteOnEventLoop_the_routine_and_the_continuation_run_on_the_event_loop()
    {
        var (routine, continuation) = await Task.Run(() => ThreadsOfAReceiveAsync(completeOnEventLoop: true), TestContext.Current.CancellationToken);
        Assert.StartsWith(EventLoop, routine, StringComparison.Ordinal);
        Assert.Equal(routine, continuation); // The same loop's thread, right after the routine.
    }

    [Fact]
    public async Task The_watchdog_names_a_routine_that_holds_the_event_loop_once_per_call_site()
    {
        var logger = new WskSharp.Tests.Adaptive.RecordingLogger();
        var options = new WskProviderOptions
        {
            EventLoopWatchdogThreshold = TimeSpan.FromMilliseconds(50),
            LoggerFactory = new SingleLoggerFactory(logger),
        };
        using var client = new WskTestClient(options);
        var (a, b) = await client.ConnectPairAsync(client);

        for (int i = 0; i < 2; i++)
        {
            var irp = new Irp();
            irp.SetCompletionRoutine(SlowRoutine, null);
            Assert.Equal(NtStatus.Pending, WskTestClient.Connection(a).WskReceive(a, new WskBuf(new Mdl(new byte[4])), 0, irp));
            await WskTestClient.SendAsync(b, [1]);
            Assert.Equal(NtStatus.Success, await irp);
        }

        // Named once for both runs (a loaded machine may add other slow completions: only this call site is asserted).
        (Microsoft.Extensions.Logging.LogLevel level, string message) = Assert.Single(logger.Entries,
            e => e.Message.Contains(nameof(SlowRoutine), StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, level);
        Assert.Contains("held the event loop", message, StringComparison.Ordinal);
    }

    /// <summary>A routine that blocks (what a DISPATCH_LEVEL routine must never do): 200 ms of work, deliberately.</summary>
    private static NtStatus SlowRoutine(Irp irp, object? context)
    {
        Thread.Sleep(200);
        return NtStatus.MoreProcessingRequired;
    }

    private sealed class SingleLoggerFactory(Microsoft.Extensions.Logging.ILogger logger) : Microsoft.Extensions.Logging.ILoggerFactory
    {
        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider) => throw new NotSupportedException();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}

using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Tests.Wsk;

/// <summary>
/// Where a request that completes later finishes: on the thread pool by default, on the event loop with
/// <see cref="WskProviderOptions.CompleteOnEventLoop"/>; there, a call made from the completion routine or the continuation
/// (a send, the next receive) works and completes in turn, and no provider lock is held while caller code runs.
/// </summary>
public sealed class CompletionThreadTests
{
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
    public async Task By_default_completions_run_on_the_thread_pool()
    {
        var (routine, continuation) = await ThreadsOfAReceiveAsync(completeOnEventLoop: false);
        Assert.NotEqual("WskSharp epoll", routine);
        Assert.NotEqual("WskSharp epoll", continuation);
    }

    [Fact]
    public async Task With_CompleteOnEventLoop_the_routine_and_the_continuation_run_on_the_event_loop()
    {
        var (routine, continuation) = await Task.Run(() => ThreadsOfAReceiveAsync(completeOnEventLoop: true), TestContext.Current.CancellationToken);
        Assert.Equal("WskSharp epoll", routine);
        Assert.Equal("WskSharp epoll", continuation);
    }
}

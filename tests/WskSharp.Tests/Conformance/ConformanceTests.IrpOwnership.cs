using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Conformance;

/// <summary>
/// The IRP belongs to its owner again once its completion routine is called (as in Windows once a routine returns
/// STATUS_MORE_PROCESSING_REQUIRED): the two patterns every WSK driver uses, signal-and-reuse and resubmission from the
/// routine itself, on every transport, with the routine on the thread pool and on the event loop; and PendingReturned
/// exactly as Windows sets it.
/// </summary>
public abstract partial class ConformanceTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    [Fact]
    public Task Signal_and_reuse_the_waiter_reuses_and_resubmits_the_IRP_while_its_routine_is_still_running() => WithPairAsync(async (client, server, _) =>
    {
        var (a, b) = await client.ConnectPairAsync(server);
        var irp = new Irp();
        var buffer = new byte[16];
        // Awaited, never blocked on: with completions on the event loop, this body itself may resume there.
        var signalled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var routineReturned = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var resubmitted = new ManualResetEventSlim();
        irp.SetCompletionRoutine((_, _) =>
        {
            signalled.TrySetResult(irp.PendingReturned); // KeSetEvent: the waiting thread owns the IRP from here on...
            routineReturned.TrySetResult(resubmitted.Wait(Guard)); // ... while this routine goes on working.
            return NtStatus.MoreProcessingRequired;
        }, null);

        Assert.Equal(NtStatus.Pending, Conn(b).WskReceive(b, new WskBuf(new Mdl(buffer)), 0, irp));
        await WskTestClient.SendAsync(a, [7]);
        bool sawPendingReturned = await signalled.Task.WaitAsync(Guard, Ct);

        // The routine is still running: IoReuseIrp and the next call must both take the IRP now.
        irp.Reuse(NtStatus.Success);
        var completed = new TaskCompletionSource<NtStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        irp.SetCompletionRoutine((done, _) =>
        {
            completed.TrySetResult(done.IoStatus.Status);
            return NtStatus.MoreProcessingRequired;
        }, null);
        NtStatus returned = Conn(b).WskReceive(b, new WskBuf(new Mdl(buffer)), 0, irp);
        resubmitted.Set();

        Assert.Equal(NtStatus.Pending, returned); // Nothing more has been sent yet.
        Assert.True(sawPendingReturned); // The first call returned STATUS_PENDING.
        Assert.True(await routineReturned.Task.WaitAsync(Guard, Ct), "the waiter could not resubmit before the routine returned");
        await WskTestClient.SendAsync(a, [8]);
        Assert.Equal(NtStatus.Success, await completed.Task.WaitAsync(Guard, Ct));
        Assert.Equal((nuint)1, irp.IoStatus.Information);
        Assert.Equal(8, buffer[0]);
        Assert.True(irp.PendingReturned);
        Assert.Equal(2, irp.CompletionCount);
    });

    [Fact]
    public Task A_receive_loop_resubmits_its_IRP_from_its_own_completion_routine_and_PendingReturned_says_what_each_call_returned()
        => WithPairAsync(async (client, server, _) =>
    {
        const int Total = 64 * 1024;
        byte[] sent = RandomBytes(Total, seed: 11);
        var (a, b) = await client.ConnectPairAsync(server);
        var loop = new ReceiveLoop(b, Total);

        loop.Submit(); // The first WskReceive, from this thread; the routine posts every later one itself.
        await WskTestClient.SendAsync(a, sent);
        await loop.Done.Task.WaitAsync(Guard, Ct);

        Assert.Empty(loop.Unexpected);
        Assert.Equal(sent, loop.Received.ToArray());
        Assert.True(loop.Requests > 1);
        for (int k = 0; k < loop.Requests; k++)
        {
            // IoCompleteRequest copies "the call returned STATUS_PENDING" into Irp->PendingReturned, before the routine runs.
            Assert.Equal(loop.Returned[k] == NtStatus.Pending, loop.SawPendingReturned[k]);
        }
    });

    /// <summary>The receive loop of a WSK driver: one IRP, resubmitted from its completion routine until all has arrived.</summary>
    private sealed class ReceiveLoop
    {
        private readonly WskSocket _socket;
        private readonly int _total;
        private readonly byte[] _buffer = new byte[1500];
        private readonly Irp _irp = new();
        private int _current;
        private int _callsOpen; // WskReceive calls not yet returned: the last one may return after its routine ran.
        private int _allReceived;

        public ReceiveLoop(WskSocket socket, int total)
        {
            _socket = socket;
            _total = total;
            _irp.SetCompletionRoutine(static (irp, context) => ((ReceiveLoop)context!).OnCompleted(irp), this);
        }

        public MemoryStream Received { get; } = new();

        public List<string> Unexpected { get; } = [];

        public NtStatus[] Returned { get; } = new NtStatus[100_000];

        public bool[] SawPendingReturned { get; } = new bool[100_000];

        public int Requests => _current;

        /// <summary>Set once everything has arrived and every call has returned (so <see cref="Returned"/> is final).</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Submit()
        {
            int k = _current++;
            Returned[k] = NtStatus.Pending; // Until the call returns; an inline completion's routine runs before that.
            Interlocked.Increment(ref _callsOpen);
            NtStatus returned = Conn(_socket).WskReceive(_socket, new WskBuf(new Mdl(_buffer)), 0, _irp);
            Returned[k] = returned;
            if (returned != NtStatus.Pending && returned != NtStatus.Success)
            {
                Fail($"request {k} returned {returned}");
            }

            // The last routine may have run (inline, or on the event loop) before this call returned: done only now.
            if (Interlocked.Decrement(ref _callsOpen) == 0 && Volatile.Read(ref _allReceived) == 1)
            {
                Done.TrySetResult();
            }
        }

        private NtStatus OnCompleted(Irp irp)
        {
            int k = _current - 1;
            SawPendingReturned[k] = irp.PendingReturned;
            if (irp.IoStatus.Status != NtStatus.Success || irp.IoStatus.Information == 0)
            {
                Fail($"request {k} completed with {irp.IoStatus.Status}, {irp.IoStatus.Information} B");
                return NtStatus.MoreProcessingRequired;
            }

            Received.Write(_buffer, 0, (int)irp.IoStatus.Information);
            if (Received.Length >= _total)
            {
                Interlocked.Exchange(ref _allReceived, 1); // A full fence: Submit's decrement then read sees one or the other.
                if (Volatile.Read(ref _callsOpen) == 0)
                {
                    Done.TrySetResult();
                }
            }
            else
            {
                Submit(); // The same IRP, from inside its own routine.
            }

            return NtStatus.MoreProcessingRequired;
        }

        private void Fail(string what)
        {
            lock (Unexpected)
            {
                Unexpected.Add(what);
            }

            Done.TrySetResult();
        }
    }
}

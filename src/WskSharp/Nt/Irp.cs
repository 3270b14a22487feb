using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace WskSharp.Nt;

/// <summary>
/// An I/O request packet: the caller-allocated object through which every asynchronous WSK call reports
/// its result. The call returns an NTSTATUS and completes the IRP exactly once; the final result is in
/// <see cref="IoStatus"/>. A returned <see cref="NtStatus.Pending"/> means the IRP completes later; any other
/// returned value means it has already completed, its completion routine has run, with that same status.
/// </summary>
/// <remarks>
/// <para>An IRP is reusable once completed (<see cref="Reuse"/> is <c>IoReuseIrp</c>, and submitting a completed
/// IRP to another call reuses it implicitly). It is awaitable (<c>await irp</c>) without allocating: it is its
/// own <see cref="IValueTaskSource{TResult}"/>.</para>
/// <para>Completion routines and continuations of a request that completes later run on the thread pool,
/// never on the provider's event loop.</para>
/// </remarks>
public sealed class Irp : IValueTaskSource<NtStatus>, IThreadPoolWorkItem
{
    private const int Idle = 0, Pending = 1, Completing = 2, Completed = 3;

    private IoStatusBlock _ioStatus;
    private ManualResetValueTaskSourceCore<NtStatus> _core;
    private int _state;
    private int _cancelRequested;
    private IoCompletionRoutine? _routine;
    private object? _routineContext;
    private IIrpCancelHandler? _cancelHandler;
    private int _finishingThread;

    /// <summary>The provider's per-request parameters (the current stack location).</summary>
    internal IrpStackLocation Stack;

    /// <summary>Link for the provider's intrusive queues (<c>Tail.Overlay.ListEntry</c>).</summary>
    internal Irp? QueueNext;

    /// <summary>Creates an IRP (<c>IoAllocateIrp</c>).</summary>
    public Irp()
    {
        // Continuations of late completions are dispatched by Execute on the thread pool already.
        _core.RunContinuationsAsynchronously = false;
    }

    /// <summary><c>Irp->IoStatus</c>: the result, valid once the IRP has completed. Writable, so a test can
    /// put a sentinel in it before a call.</summary>
    public ref IoStatusBlock IoStatus => ref _ioStatus;

    /// <summary>True while a provider holds the IRP (after a call returned <see cref="NtStatus.Pending"/>).</summary>
    public bool IsPending => Volatile.Read(ref _state) is Pending or Completing;

    /// <summary>True once <see cref="Cancel"/> has been called on the current request (<c>Irp->Cancel</c>).</summary>
    public bool CancelRequested => Volatile.Read(ref _cancelRequested) != 0;

    /// <summary>How many times this IRP has completed over its life: exactly one more per request.</summary>
    public long CompletionCount { get; private set; }

    /// <summary>
    /// <c>IoSetCompletionRoutine</c>: the routine runs once at completion (always: on success, error and
    /// cancel), before an awaiter of the IRP resumes. Set it before the call; null removes it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The IRP is pending.</exception>
    public void SetCompletionRoutine(IoCompletionRoutine? routine, object? context)
    {
        if (IsPending)
        {
            throw new InvalidOperationException("The IRP is pending; its completion routine cannot change now.");
        }

        _routine = routine;
        _routineContext = context;
    }

    /// <summary><c>IoReuseIrp</c>: clears the result and the cancel flag of a completed IRP; the completion
    /// routine stays.</summary>
    /// <exception cref="InvalidOperationException">The IRP is pending.</exception>
    public void Reuse()
    {
        if (IsPending)
        {
            throw new InvalidOperationException("A pending IRP cannot be reused; wait for it to complete.");
        }

        _ioStatus = default;
        Volatile.Write(ref _cancelRequested, 0);
    }

    /// <summary>
    /// <c>IoCancelIrp</c>: asks the provider to cancel the pending request. If the provider can still take it
    /// back it completes it with <see cref="NtStatus.Cancelled"/>; if it is already completing, the request
    /// completes with its own result. Either way it completes exactly once.
    /// </summary>
    /// <returns>True if a cancel routine was called. False if the request is not pending, or if the provider has not armed
    /// its cancel routine yet: as with <c>IoCancelIrp</c>, the provider then sees the cancel flag when it arms the routine
    /// and cancels the request itself.</returns>
    public bool Cancel()
    {
        if (Volatile.Read(ref _state) != Pending)
        {
            return false;
        }

        Volatile.Write(ref _cancelRequested, 1);
        IIrpCancelHandler? handler = Interlocked.Exchange(ref _cancelHandler, null);
        if (handler is null)
        {
            return false;
        }

        handler.CancelIrp(this);
        return true;
    }

    /// <summary>A <see cref="ValueTask{NtStatus}"/> for the current request, completing with its final status.</summary>
    /// <exception cref="InvalidOperationException">The IRP was never submitted to a call.</exception>
    public ValueTask<NtStatus> AsValueTask()
    {
        int state = Volatile.Read(ref _state);
        if (state == Idle)
        {
            throw new InvalidOperationException("The IRP has not been submitted to a call.");
        }

        return state == Completed ? new ValueTask<NtStatus>(_ioStatus.Status) : new ValueTask<NtStatus>(this, _core.Version);
    }

    /// <summary>Lets callers write <c>await irp</c>.</summary>
#pragma warning disable CA2012 // The ValueTask is consumed at once by its awaiter.
    public ValueTaskAwaiter<NtStatus> GetAwaiter() => AsValueTask().GetAwaiter();
#pragma warning restore CA2012

    /// <summary>Takes the IRP for a new request. False if it is pending (owned by a provider already).</summary>
    internal bool TryStart()
    {
        // A reuse from another thread waits for the previous completion to release its awaiter; the awaiter's
        // own continuation (running inside that release) may reuse at once.
        int finishing;
        SpinWait spin = default;
        while ((finishing = Volatile.Read(ref _finishingThread)) != 0 && finishing != Environment.CurrentManagedThreadId)
        {
            spin.SpinOnce();
        }

        int state = Volatile.Read(ref _state);
        if (state is Pending or Completing || Interlocked.CompareExchange(ref _state, Pending, state) != state)
        {
            return false;
        }

        _core.Reset();
        _ioStatus = default;
        _cancelRequested = 0;
        _cancelHandler = null;
        Stack = default;
        QueueNext = null;
        return true;
    }

    /// <summary>
    /// <c>IoSetCancelRoutine</c>: the provider arms its cancel routine while it holds the request, under the lock that
    /// also guards completion, so a completion cannot slip in between. It then checks <see cref="CancelRequested"/> (the
    /// Windows "check Irp->Cancel after setting the routine" rule) outside that lock and cancels itself if it was set.
    /// </summary>
    internal void ArmCancel(IIrpCancelHandler handler) => Volatile.Write(ref _cancelHandler, handler);

    /// <summary>Clears the cancel routine: the provider is about to complete the request itself.</summary>
    internal void ClearCancelHandler() => Volatile.Write(ref _cancelHandler, null);

    /// <summary>
    /// <c>IoCompleteRequest</c> on the calling thread: sets the result, runs the completion routine, then
    /// releases awaiters. Used when a call completes before it returns.
    /// </summary>
    internal void CompleteInline(NtStatus status, nuint information = 0, object? pointer = null)
    {
        if (SetResult(status, information, pointer))
        {
            Finish();
        }
    }

    /// <summary>
    /// <c>IoCompleteRequest</c> from the provider's event loop: the completion routine and continuations run on the thread
    /// pool (no allocation: the IRP is its own work item); with <paramref name="joinBatch"/> (the registration asked for
    /// completions on the event loop) and an <see cref="IrpCompletionBatch"/> open on this thread, they run when the
    /// batch closes, on this thread, outside every provider lock.
    /// </summary>
    internal void CompleteLater(NtStatus status, nuint information = 0, object? pointer = null, bool joinBatch = false)
    {
        if (SetResult(status, information, pointer))
        {
            if (joinBatch && IrpCompletionBatch.Current is { } batch)
            {
                batch.Add(this); // Finished by the event loop once it has left every lock.
            }
            else
            {
                FinishOnThreadPool();
            }
        }
    }

    /// <summary>Runs the completion of an IRP a <see cref="IrpCompletionBatch"/> collected.</summary>
    internal void FinishDeferred() => Finish();

    /// <summary>Queues the completion of an IRP whose result is set to the thread pool.</summary>
    internal void FinishOnThreadPool() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    private bool SetResult(NtStatus status, nuint information, object? pointer)
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Pending) != Pending)
        {
            Debug.Fail("An IRP was completed twice.");
            return false;
        }

        _cancelHandler = null;
        _ioStatus.Status = status;
        _ioStatus.Information = information;
        _ioStatus.Pointer = pointer;
        Stack = default; // The provider must not touch the caller's buffers after completion.
        QueueNext = null;
        return true;
    }

    private void Finish()
    {
        CompletionCount++;
        if (_routine is { } routine)
        {
            try
            {
                routine(this, _routineContext);
            }
            catch (Exception ex)
            {
                // A completion routine that throws is a bug in the caller; it must not take the IRP's waiters down.
                Trace.TraceError($"IRP completion routine threw: {ex}");
            }
        }

        NtStatus status = _ioStatus.Status;
        Volatile.Write(ref _finishingThread, Environment.CurrentManagedThreadId);
        Volatile.Write(ref _state, Completed);
        try
        {
            _core.SetResult(status);
        }
        finally
        {
            Volatile.Write(ref _finishingThread, 0);
        }
    }

    void IThreadPoolWorkItem.Execute() => Finish();

    NtStatus IValueTaskSource<NtStatus>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<NtStatus>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<NtStatus>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}

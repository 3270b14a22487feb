using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;

namespace WskSharp.Nt;

/// <summary>
/// An I/O request packet: the caller-allocated object through which every asynchronous WSK call reports
/// its result. The call returns an NTSTATUS and completes the IRP exactly once; the final result is in
/// <see cref="IoStatus"/>. A returned <see cref="NtStatus.Pending"/> means the IRP completes later; any other
/// returned value means it has already completed, its completion routine has run, with that same status.
/// </summary>
/// <remarks>
/// <para>The IRP belongs to its owner again the moment its completion routine is called, as in Windows once a routine
/// returns <see cref="NtStatus.MoreProcessingRequired"/>: the routine may hand it to the next call itself (the receive
/// loop of every WSK driver), or signal a thread that calls <see cref="Reuse"/> (<c>IoReuseIrp</c>) and resubmits it
/// while the routine is still running. <see cref="PendingReturned"/> says, as in Windows, whether the call returned
/// <see cref="NtStatus.Pending"/>. Submitting a completed IRP to another call also reuses it (keeping its routine).</para>
/// <para>The IRP is awaitable (<c>await irp</c>) without allocating: it is its own
/// <see cref="IValueTaskSource{TResult}"/>. The awaiter resumes after the completion routine has run; an IRP whose
/// routine resubmits it is driven by its routine and should not be awaited too.</para>
/// <para>The completion routine of a request that completes on the event loop runs there, right after the readiness
/// that completed it, outside every provider lock (as a WSK provider completes IRPs at DISPATCH_LEVEL): it must not
/// block. Code awaiting the IRP resumes on the thread pool, unless the provider that holds the request asks for the
/// event loop too (<see cref="IIrpCancelHandler.ContinueOnEventLoop"/>, which the WSK layer sets from its registration's
/// options).</para>
/// </remarks>
public sealed class Irp : IValueTaskSource<NtStatus>, IThreadPoolWorkItem
{
    private const int Idle = 0, Pending = 1, Completing = 2, Completed = 3;

    /// <summary>Stands in the awaiter slot once the request has completed: a late awaiter then resumes by itself.</summary>
    private static readonly Action<object?> s_completedSentinel = static _ => Debug.Fail("The completed-IRP sentinel ran.");

    private IoStatusBlock _ioStatus;
    private int _state;
    private int _cancelRequested;
    private bool _markedPending;
    private bool _pendingReturned;
    private bool _continueOnEventLoop;
    private IoCompletionRoutine? _routine;
    private object? _routineContext;
    private IIrpCancelHandler? _cancelHandler;
    private ILogger? _logger;

    // The awaiter of the current request. Not ManualResetValueTaskSourceCore: its SetResult runs the continuation while
    // it still owns the core, so a new request on another thread would have to wait for that user code to return. Here
    // the continuation is taken out of its slot before anything runs, and a new request never waits for anyone.
    private short _version;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private object? _schedulingContext;
    private ExecutionContext? _executionContext;
    private bool _hasResult;
    private short _resultVersion;
    private NtStatus _result;

    // An awaiter that registered while its request's routine was still running: resumed once the routine has returned.
    private SpinLock _lateGate = new(enableThreadOwnerTracking: false); // A struct: no allocation per IRP; held for a few stores.
    private Action<object?>? _lateContinuation;
    private object? _lateState;
    private object? _lateSchedulingContext;
    private ExecutionContext? _lateExecutionContext;
    private short _lateToken;

    /// <summary>The provider's per-request parameters (the current stack location).</summary>
    internal IrpStackLocation Stack;

    /// <summary>Link for the provider's intrusive queues (<c>Tail.Overlay.ListEntry</c>).</summary>
    internal Irp? QueueNext;

    /// <summary>Creates an IRP (<c>IoAllocateIrp</c>).</summary>
    public Irp()
    {
    }

    /// <summary><c>Irp->IoStatus</c>: the result, valid once the IRP has completed. Writable, so a test can
    /// put a sentinel in it before a call.</summary>
    public ref IoStatusBlock IoStatus => ref _ioStatus;

    /// <summary>True while a provider holds the IRP (after a call returned <see cref="NtStatus.Pending"/>, until its
    /// completion routine is called).</summary>
    public bool IsPending => Volatile.Read(ref _state) is Pending or Completing;

    /// <summary>
    /// <c>Irp->PendingReturned</c>: true when the call that took this request returned <see cref="NtStatus.Pending"/>
    /// (the provider marked it pending before anyone could complete it), false when it completed before the call
    /// returned. Valid in the completion routine and after; a driver signals its waiter only when it is true.
    /// </summary>
    public bool PendingReturned => Volatile.Read(ref _pendingReturned);

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

    /// <summary>
    /// <c>IoReuseIrp(Irp, Status)</c>: makes a completed IRP as new for the next request. As in Windows, it clears the
    /// result, the cancel flag, <see cref="PendingReturned"/> and the completion routine (set it again for the next
    /// call), and puts <paramref name="status"/> in <c>IoStatus.Status</c>. Legal from the completion routine itself
    /// and from any thread once the routine has been called.
    /// </summary>
    /// <param name="status">What <c>IoStatus.Status</c> holds afterwards (drivers pass <see cref="NtStatus.Success"/>).</param>
    /// <exception cref="InvalidOperationException">The IRP is pending: a provider still holds it.</exception>
    public void Reuse(NtStatus status)
    {
        int state = Volatile.Read(ref _state);
        if (state is Pending or Completing || Interlocked.CompareExchange(ref _state, Idle, state) != state)
        {
            throw new InvalidOperationException("A pending IRP cannot be reused; wait for its completion routine.");
        }

        _ioStatus = default;
        _ioStatus.Status = status;
        Volatile.Write(ref _cancelRequested, 0);
        Volatile.Write(ref _pendingReturned, false);
        _routine = null;
        _routineContext = null;
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
    /// <exception cref="InvalidOperationException">The IRP was never submitted to a call, or was reused since.</exception>
    public ValueTask<NtStatus> AsValueTask()
    {
        int state = Volatile.Read(ref _state);
        if (state == Idle)
        {
            throw new InvalidOperationException("The IRP has not been submitted to a call.");
        }

        // Completed for awaiters only once the routine has returned (the result is published then).
        return state == Completed && IsPublished(_version) ? new ValueTask<NtStatus>(_ioStatus.Status) : new ValueTask<NtStatus>(this, _version);
    }

    /// <summary>Lets callers write <c>await irp</c>.</summary>
#pragma warning disable CA2012 // The ValueTask is consumed at once by its awaiter.
    public ValueTaskAwaiter<NtStatus> GetAwaiter() => AsValueTask().GetAwaiter();
#pragma warning restore CA2012

    /// <summary>
    /// Takes the IRP for a new request. False if it is pending (owned by a provider already). Never waits: a completed
    /// IRP is its owner's, whatever its routine or its awaiter is still doing.
    /// </summary>
    /// <param name="logger">Where this request's completion reports a completion routine that throws: the registration's
    /// (null: nowhere).</param>
    internal bool TryStart(ILogger? logger = null)
    {
        int state = Volatile.Read(ref _state);
        if (state is Pending or Completing || Interlocked.CompareExchange(ref _state, Pending, state) != state)
        {
            return false;
        }

        _version++;
        _continuation = null; // The previous request's awaiter, if any, was taken out when it completed.
        _ioStatus = default;
        _cancelRequested = 0;
        _cancelHandler = null;
        _markedPending = false;
        _pendingReturned = false;
        _continueOnEventLoop = false;
        _logger = logger;
        Stack = default;
        QueueNext = null;
        return true;
    }

    /// <summary>
    /// <c>IoMarkIrpPending</c> + <c>IoSetCancelRoutine</c>: the provider queues the request (the call will return
    /// <see cref="NtStatus.Pending"/>) and arms its cancel routine, under the lock that also guards completion, so a
    /// completion cannot slip in between. It then checks <see cref="CancelRequested"/> (the Windows "check Irp->Cancel
    /// after setting the routine" rule) outside that lock and cancels itself if it was set.
    /// </summary>
    internal void ArmCancel(IIrpCancelHandler handler)
    {
        MarkPending();
        _continueOnEventLoop = handler.ContinueOnEventLoop;
        Volatile.Write(ref _cancelHandler, handler);
    }

    /// <summary><c>IoMarkIrpPending</c>: the call that holds this request will return <see cref="NtStatus.Pending"/>.</summary>
    internal void MarkPending() => _markedPending = true;

    /// <summary>
    /// True while this IRP's completion runs on an event loop (inside an <see cref="IrpCompletionBatch"/>) whose
    /// registration did not opt in to resuming awaiting code there: that code must go to the thread pool.
    /// </summary>
    internal bool ResumeElsewhere => !_continueOnEventLoop && IrpCompletionBatch.Current is not null;

    /// <summary>The completion routine, for the event loop's watchdog to name.</summary>
    internal IoCompletionRoutine? Routine => _routine;

    /// <summary>Clears the cancel routine: the provider is about to complete the request itself.</summary>
    internal void ClearCancelHandler() => Volatile.Write(ref _cancelHandler, null);

    /// <summary>
    /// <c>IoCompleteRequest</c> on the calling thread: sets the result, runs the completion routine, then
    /// releases awaiters. Used when a call completes before it returns, and for cancellations.
    /// </summary>
    internal void CompleteInline(NtStatus status, nuint information = 0, object? pointer = null)
    {
        if (SetResult(status, information, pointer))
        {
            Finish();
        }
    }

    /// <summary>
    /// <c>IoCompleteRequest</c> for a queued request, under the provider's lock: on the event loop (an
    /// <see cref="IrpCompletionBatch"/> open on this thread) the completion runs when the batch closes, on this thread,
    /// outside every provider lock; elsewhere it runs on the thread pool (no allocation: the IRP is its own work item).
    /// </summary>
    internal void CompleteLater(NtStatus status, nuint information = 0, object? pointer = null)
    {
        if (SetResult(status, information, pointer))
        {
            if (IrpCompletionBatch.Current is { } batch)
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
        NtStatus status = _ioStatus.Status;
        IoCompletionRoutine? routine = _routine;
        object? routineContext = _routineContext;
        ILogger? logger = _logger; // Taken before the IRP changes hands: the next request may set its own.

        // Everything the awaiter needs is taken out before the IRP changes hands: from then on the owner may start the
        // next request (from the routine, or from a thread it signals) without waiting for this one's awaiter. The result
        // is published to awaiters only after the routine has returned: code awaiting the IRP never overtakes its routine.
        short version = _version;
        Action<object?>? continuation = Interlocked.Exchange(ref _continuation, s_completedSentinel);
        object? continuationState = null, schedulingContext = null;
        ExecutionContext? executionContext = null;
        if (continuation is not null)
        {
            continuationState = _continuationState;
            schedulingContext = _schedulingContext;
            executionContext = _executionContext;
            _continuationState = _schedulingContext = null;
            _executionContext = null;
        }

        bool resumeElsewhere = continuation is not null && ResumeElsewhere;
        _pendingReturned = _markedPending; // IoCompleteRequest copies SL_PENDING_RETURNED into Irp->PendingReturned.
        Volatile.Write(ref _state, Completed); // The IRP is its owner's again.

        if (routine is not null)
        {
            try
            {
                routine(this, routineContext);
            }
            catch (Exception ex)
            {
                // A completion routine that throws is a bug in the caller; it must not take the IRP's waiters down.
                if (logger is not null)
                {
                    NtLog.CompletionRoutineThrew(logger, $"{routine.Method.DeclaringType?.FullName}.{routine.Method.Name}", status, ex);
                }
            }
        }

        Action<object?>? late;
        object? lateState, lateScheduling;
        ExecutionContext? lateExecution;
        bool taken = false;
        _lateGate.Enter(ref taken);
        try
        {
            if (!_hasResult || (short)(version - _resultVersion) > 0)
            {
                // Not when a resubmitted request completed inside the routine and published already: never go back.
                _result = status;
                _resultVersion = version;
                _hasResult = true;
            }

            late = _lateToken == version ? _lateContinuation : null;
            lateState = _lateState;
            lateScheduling = _lateSchedulingContext;
            lateExecution = _lateExecutionContext;
            if (late is not null)
            {
                _lateContinuation = null;
                _lateState = _lateSchedulingContext = null;
                _lateExecutionContext = null;
            }
        }
        finally
        {
            _lateGate.Exit(useMemoryBarrier: true);
        }

        if (continuation is not null)
        {
            // Off the event loop unless the registration opted in: awaiting code may block (for an async method's
            // continuation the thread pool queues its state machine box itself: no allocation).
            Resume(continuation, continuationState, executionContext, schedulingContext, forceAsync: resumeElsewhere);
        }

        if (late is not null)
        {
            Resume(late, lateState, lateExecution, lateScheduling, forceAsync: true);
        }
    }

    /// <summary>True once the request of <paramref name="token"/> has completed and its routine has returned.</summary>
    private bool IsPublished(short token) => Volatile.Read(ref _hasResult) && token == _resultVersion;

    void IThreadPoolWorkItem.Execute() => Finish();

    NtStatus IValueTaskSource<NtStatus>.GetResult(short token)
    {
        if (!IsPublished(token))
        {
            throw new InvalidOperationException("The IRP's result was read before it completed, or after it was reused.");
        }

        return _result;
    }

    ValueTaskSourceStatus IValueTaskSource<NtStatus>.GetStatus(short token)
    {
        if (IsPublished(token))
        {
            return ValueTaskSourceStatus.Succeeded;
        }

        if (token == _version)
        {
            return ValueTaskSourceStatus.Pending; // Held by the provider, or its routine is running.
        }

        throw new InvalidOperationException("The IRP was reused since this request.");
    }

    void IValueTaskSource<NtStatus>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        ExecutionContext? executionContext = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
        object? schedulingContext = null;
        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0)
        {
            if (SynchronizationContext.Current is { } sync && sync.GetType() != typeof(SynchronizationContext))
            {
                schedulingContext = sync;
            }
            else if (TaskScheduler.Current != TaskScheduler.Default)
            {
                schedulingContext = TaskScheduler.Current;
            }
        }

        if (token != _version)
        {
            if (IsPublished(token))
            {
                Resume(continuation, state, executionContext, schedulingContext, forceAsync: true);
                return;
            }

            throw new InvalidOperationException("The IRP was reused since this request.");
        }

        _continuationState = state;
        _schedulingContext = schedulingContext;
        _executionContext = executionContext;
        Action<object?>? previous = Interlocked.CompareExchange(ref _continuation, continuation, null);
        if (previous is null)
        {
            return;
        }

        if (!ReferenceEquals(previous, s_completedSentinel))
        {
            throw new InvalidOperationException("The IRP is already awaited: a request has one awaiter.");
        }

        // Completed between the awaiter's check and now: once the routine has returned (at once, or when it does), resume
        // it ourselves, never inline (no stack dives).
        bool taken = false;
        _lateGate.Enter(ref taken);
        try
        {
            if (!IsPublished(token))
            {
                _lateContinuation = continuation;
                _lateState = state;
                _lateSchedulingContext = schedulingContext;
                _lateExecutionContext = executionContext;
                _lateToken = token;
                return;
            }
        }
        finally
        {
            _lateGate.Exit(useMemoryBarrier: true);
        }

        Resume(continuation, state, executionContext, schedulingContext, forceAsync: true);
    }

    private static void Resume(Action<object?> continuation, object? state, ExecutionContext? executionContext, object? schedulingContext,
        bool forceAsync)
    {
        if (executionContext is null && schedulingContext is null)
        {
            if (forceAsync)
            {
                ThreadPool.UnsafeQueueUserWorkItem(continuation, state, preferLocal: true);
            }
            else
            {
                continuation(state);
            }

            return;
        }

        // The rare path (an awaiter with a context to honour): a small object carries the continuation there.
        var resume = new ContextResume(continuation, state, executionContext);
        switch (schedulingContext)
        {
            case SynchronizationContext sync:
                sync.Post(static s => ((ContextResume)s!).Run(), resume);
                break;
            case TaskScheduler scheduler:
                _ = Task.Factory.StartNew(static s => ((ContextResume)s!).Run(), resume, CancellationToken.None,
                    TaskCreationOptions.DenyChildAttach, scheduler);
                break;
            default:
                if (forceAsync)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static s => s.Run(), resume, preferLocal: true);
                }
                else
                {
                    resume.Run();
                }

                break;
        }
    }

    private sealed class ContextResume(Action<object?> continuation, object? state, ExecutionContext? executionContext)
    {
        public void Run()
        {
            if (executionContext is null)
            {
                continuation(state);
            }
            else
            {
                ExecutionContext.Run(executionContext, static s => ((ContextResume)s!).Invoke(), this);
            }
        }

        private void Invoke() => continuation(state);
    }
}

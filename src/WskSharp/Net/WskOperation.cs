using System.Threading.Tasks.Sources;
using WskSharp.Nt;

namespace WskSharp.Net;

/// <summary>
/// One request slot of a connection (one for the sending side, one for the receiving side): an IRP and an MDL that every
/// request of that side reuses, and the awaitable the .NET face hands out for it. Nothing is allocated per request: the
/// MDL is re-pointed at the caller's memory, the IRP is reused, and this object is the <see cref="IValueTaskSource{TResult}"/>
/// behind the returned <see cref="ValueTask{TResult}"/>. A cancellation token cancels the pending IRP (<see cref="Irp.Cancel"/>).
/// </summary>
internal sealed class WskOperation : IValueTaskSource<int>, IValueTaskSource, IThreadPoolWorkItem
{
    private static readonly Action<object?> s_cancel = static irp => ((Irp)irp!).Cancel();

    // The IRP's completion routine: the slot is a WSK client like any other. It runs on the event loop, so the caller's
    // continuation is handed to the thread pool from there (this object is the work item: no allocation), unless the
    // registration opted in to resuming on the event loop.
    private static readonly IoCompletionRoutine s_onCompleted = static (irp, context) =>
    {
        var operation = (WskOperation)context!;
        if (irp.PendingReturned && Interlocked.Decrement(ref operation._parties) == 0)
        {
            operation.Signal(irp.ResumeElsewhere);
        }

        return NtStatus.MoreProcessingRequired;
    };

    private ManualResetValueTaskSourceCore<int> _core;
    private int _parties; // the routine and Complete: the second of them to finish with a pending request signals
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private NtStatus _status;
    private int _information;
    private int _busy;
    private string _call = "";
    private object? _target;

    public WskOperation()
    {
        // The routine decides the thread (see s_onCompleted): no second hop from there.
        _core.RunContinuationsAsynchronously = false;
        Irp.SetCompletionRoutine(s_onCompleted, this);
    }

    /// <summary>The IRP every request of this slot uses.</summary>
    public Irp Irp { get; } = new();

    /// <summary>The MDL every request of this slot describes its buffer with (re-pointed per request, cleared after).</summary>
    public Mdl Mdl { get; } = new(Memory<byte>.Empty);

    /// <summary>Takes the slot for one request; false while the previous request of this side is still in flight.</summary>
    public bool TryEnter()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            return false;
        }

        _parties = 2;
        return true;
    }

    /// <summary>Gives the slot back without a request (the call was never made).</summary>
    public void Exit()
    {
        Mdl.Memory = default;
        Volatile.Write(ref _busy, 0);
    }

    /// <summary>
    /// Takes the result of a WSK call made with <see cref="Irp"/>: its returned status, and on STATUS_PENDING the IRP's
    /// completion. Returns the token of the awaitable (this object) for the request.
    /// </summary>
    /// <param name="returned">What the call returned.</param>
    /// <param name="call">The WSK call, for the exception if it fails.</param>
    /// <param name="target">What it was aimed at (an endpoint), for the exception; null for none.</param>
    /// <param name="cancellationToken">Cancels the pending IRP.</param>
    public short Complete(NtStatus returned, string call, object? target, CancellationToken cancellationToken)
    {
        _call = call;
        _target = target;
        _token = cancellationToken;
        _core.Reset();
        if (returned != NtStatus.Pending)
        {
            // The IRP completed before the call returned, with the status returned (the IRP contract).
            SetResult(returned, Irp.IoStatus.Status == returned ? Irp.IoStatus.Information : 0);
            return _core.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Registered only now that the IRP is ours-pending: a token cancelled already cancels it at once. The slot stays
            // taken until GetResult disposes this registration, so a late callback can never cancel the next request.
            _registration = cancellationToken.UnsafeRegister(s_cancel, Irp);
        }

        if (Interlocked.Decrement(ref _parties) == 0)
        {
            Signal(resumeElsewhere: false); // The routine ran already: the result is in the IRP, and this is the caller's thread.
        }

        return _core.Version;
    }

    private void Signal(bool resumeElsewhere)
    {
        if (resumeElsewhere)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            SetResult(Irp.IoStatus.Status, Irp.IoStatus.Information);
        }
    }

    void IThreadPoolWorkItem.Execute() => SetResult(Irp.IoStatus.Status, Irp.IoStatus.Information);

    private void SetResult(NtStatus status, nuint information)
    {
        _status = status;
        _information = (int)information;
        _core.SetResult(_information);
    }

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token)
    {
        ValueTaskSourceStatus status = _core.GetStatus(token);
        if (status != ValueTaskSourceStatus.Succeeded || _status == NtStatus.Success)
        {
            return status;
        }

        return _status == NtStatus.Cancelled && _token.IsCancellationRequested ? ValueTaskSourceStatus.Canceled : ValueTaskSourceStatus.Faulted;
    }

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <summary>The request's result (bytes transferred); releases the slot; throws the mapped exception on failure.</summary>
    public int GetResult(short token)
    {
        _core.GetResult(token);
        NtStatus status = _status;
        int information = _information;
        CancellationToken cancellationToken = _token;
        string call = _call;
        object? target = _target;
        _registration.Dispose(); // Waits for a cancel callback running elsewhere: it must finish before the IRP is reused.
        _registration = default;
        _token = default;
        _target = null;
        Exit();
        return status == NtStatus.Success ? information : throw WskStatusMapping.ToException(status, call, target, cancellationToken);
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);
}

using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>
/// The event callback a socket is running, from the moment its deliverer decides it (under the engine's lock) until the
/// callback has returned and its answer is applied. The client may answer from another thread before the callback
/// returns: a worker the callback signalled releases the indicated data (WskRelease) or decides the inspected connection
/// (WskInspectComplete). Such an answer names the event's subject and is kept here, then applied when the callback
/// returns, instead of being refused. Calls that must wait until the callback has returned (WskCloseSocket: in-progress
/// callbacks return before the close completes) queue their IRPs here, completed when it returns. One per engine, guarded
/// by the engine's lock; one event runs at a time (<see cref="DeliveryGate"/>).
/// </summary>
internal struct EventInProgress
{
    private bool _running;
    private SocketEvents _kind;  // the running callback's enable flag (None: the conditional-accept events)
    private object? _subject;    // what an answer from another thread may name: the indicated buffer, the inspected connection
    private bool _answered;      // such an answer came before the callback returned
    private bool _answer;        // and what it was: true to release (receive) or accept (inspection)
    private IrpQueue _waiters;   // requests that complete once the callback has returned

    /// <summary>Whether a callback is decided and has not returned yet.</summary>
    public readonly bool IsRunning => _running;

    /// <summary>What the running event handed the client that an answer from another thread may name (null: none).</summary>
    public readonly object? Subject => _running ? _subject : null;

    /// <summary>Under the lock: whether the running callback is one of <paramref name="events"/>.</summary>
    public readonly bool Runs(SocketEvents events) => _running && (_kind & events) != 0;

    /// <summary>Under the lock, as the deliverer decides the event: from now on it is in progress.</summary>
    public void Begin(SocketEvents kind, object? subject)
    {
        _running = true;
        _kind = kind;
        _subject = subject;
        _answered = false;
    }

    /// <summary>Under the lock: an answer for <paramref name="subject"/> from another thread. True if it is kept (the running
    /// event handed out that subject and has no answer yet); false if it is not the running event's to take.</summary>
    public bool TryAnswerEarly(object subject, bool answer)
    {
        if (!_running || !ReferenceEquals(subject, _subject) || _answered)
        {
            return false;
        }

        _answered = true;
        _answer = answer;
        return true;
    }

    /// <summary>Under the lock: a request that completes once the running callback has returned (see <see cref="End"/>).</summary>
    public void Wait(Irp irp) => _waiters.Enqueue(irp);

    /// <summary>Under the lock, as the callback's answer is applied: the event is over. True with <paramref name="answer"/> if
    /// an answer came from another thread while it ran; <paramref name="waiters"/> are the requests to complete now, outside
    /// the lock. A second call (the event already ended) returns false and no waiters.</summary>
    public bool End(out bool answer, out IrpQueue waiters)
    {
        answer = _answer;
        bool answered = _running && _answered;
        waiters = _waiters;
        _waiters = default;
        _running = false;
        _kind = SocketEvents.None;
        _subject = null;
        _answered = false;
        return answered;
    }
}

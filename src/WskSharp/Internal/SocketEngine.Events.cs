using System.Buffers;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// The event half of the engine: WskReceiveEvent, WskDisconnectEvent, WskSendBacklogEvent and WskAcceptEvent, as
/// enabled through SO_WSK_EVENT_CALLBACK. Events flow only for enabled masks, receive/disconnect/backlog events only
/// once connected, and one at a time per socket, outside the engine's lock.
/// </summary>
internal sealed partial class SocketEngine
{
    private const int IndicationSize = 64 * 1024;

    private SocketEvents _events;
    private DeliveryGate _delivery;
    private bool _backlogIndicated;
    private bool _disconnectIndicated;
    private bool _failureIndicated;
    private bool _brokenAbortively;
    private bool _hangupSeen;
    private bool _receiveSuspended; // the client left data for WskReceive: no receive event until it is taken
    private byte[]? _held;          // data read for an event and not accepted by the client
    private int _heldOffset;
    private int _heldCount;
    private HashSet<byte[]>? _lent; // buffers of indications the client kept (STATUS_PENDING) until WskRelease
    private EventInProgress _event; // the callback running now, and what came for it from other threads

    /// <summary>Where events go (the WSK layer's socket).</summary>
    public ISocketEventSink? EventSink { get; set; }

    /// <summary>The enabled events.</summary>
    public SocketEvents Events
    {
        get
        {
            lock (_lock)
            {
                return _events;
            }
        }
    }

    /// <summary>Enables (or with <paramref name="disable"/>, disables) events. Enabling may deliver at once, on the thread pool.</summary>
    public NtStatus SetEvents(SocketEvents events, bool disable)
    {
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                return StateError(_state);
            }

            _events = disable ? _events & ~events : _events | events;
            if (!disable && (events & SocketEvents.SendBacklog) != 0)
            {
                _backlogIndicated = false;
            }
        }

        if (!disable)
        {
            // Data or connections that arrived before the events were enabled left no edge to wake the loop: look now.
            ThreadPool.UnsafeQueueUserWorkItem(static engine => engine.DeliverEventsOffLoop(), this, preferLocal: false);
        }

        return NtStatus.Success;
    }

    /// <summary>
    /// Disables events (SO_WSK_EVENT_CALLBACK with WSK_EVENT_DISABLE): none of them is indicated from now on. If the
    /// callback of one of them is running (decided, not yet returned: another thread disables it), the client learns so:
    /// with <paramref name="irp"/>, Pending and the IRP completes with Success once the callback has returned; without,
    /// STATUS_EVENT_PENDING. Otherwise Success, the IRP (if any) completed.
    /// </summary>
    public NtStatus DisableEvents(SocketEvents events, Irp? irp)
    {
        NtStatus status;
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                status = StateError(_state);
            }
            else
            {
                _events &= ~events;
                status = NtStatus.Success;
                if (_event.Runs(events))
                {
                    if (irp is null)
                    {
                        return NtStatus.EventPending;
                    }

                    irp.MarkPending();
                    _event.Wait(irp); // Completed by the callback's return (EventInProgress).
                    return NtStatus.Pending;
                }
            }
        }

        irp?.CompleteInline(status);
        return status;
    }

    /// <summary>WskRelease: the client gives back the buffer of an indication it kept.</summary>
    public NtStatus ReleaseBuffer(byte[] buffer)
    {
        lock (_lock)
        {
            if (_event.TryAnswerEarly(buffer, answer: true))
            {
                // The indication is the client's from the indication on: a worker the callback handed it to may release it
                // before the callback returns STATUS_PENDING. Honoured once, and the callback's return gives the memory back.
                return NtStatus.Success;
            }

            if (_lent is null || !_lent.Remove(buffer))
            {
                return NtStatus.InvalidParameter; // Not an indication of this socket, or released already.
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return NtStatus.Success;
    }

    /// <summary>Asks for a delivery pass on the thread pool (called under the lock; the pass runs after it is released).</summary>
    private void RequestDelivery()
    {
        if (_events != SocketEvents.None || _conditional)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static engine => engine.DeliverEventsOffLoop(), this, preferLocal: false);
        }
    }

    private void NoteHangup() => _hangupSeen = true;

    /// <summary>Copies held event data into <paramref name="destination"/> (or drops it all); resumes receive events
    /// once the client has taken it.</summary>
    private int TakeHeld(Span<byte> destination, bool discardAll = false)
    {
        if (_heldCount == 0)
        {
            return 0;
        }

        int n = discardAll ? _heldCount : Math.Min(_heldCount, destination.Length);
        if (!discardAll)
        {
            _held.AsSpan(_heldOffset, n).CopyTo(destination);
        }

        _heldOffset += n;
        _heldCount -= n;
        if (_heldCount == 0)
        {
            ReleaseHeld();
            if (_receiveSuspended)
            {
                _receiveSuspended = false;
                RequestDelivery();
            }
        }

        return n;
    }

    private void ReleaseHeld()
    {
        if (_held is { } held)
        {
            _held = null;
            _heldOffset = _heldCount = 0;
            ArrayPool<byte>.Shared.Return(held);
        }
    }

    /// <summary>A delivery pass on the thread pool: what throws there (an event callback) must not end the process; it
    /// fails the socket as a failure on the event loop does.</summary>
    private void DeliverEventsOffLoop()
    {
        try
        {
            DeliverEvents();
        }
        catch (Exception ex)
        {
            HandlerFailed(ex);
        }
    }

    /// <summary>Delivers what the socket has to tell its client, one event at a time, until nothing is left.</summary>
    private void DeliverEvents() => EngineCore.DeliverEvents(this, _lock, ref _delivery);

    /// <inheritdoc/>
    bool IEventDeliverer.DeliverNext()
    {
        if (NextEvent() is not { } pending)
        {
            return false;
        }

        try
        {
            pending.Deliver(this);
        }
        catch
        {
            EndEvent(); // A sink that throws must not leave the event in progress: a close would wait for it forever.
            throw;
        }

        return true;
    }

    /// <summary>Decides the next event under the lock; from then on it is in progress (<see cref="EventInProgress"/>).</summary>
    private PendingEvent? NextEvent()
    {
        lock (_lock)
        {
            _delivery.Deciding();
            PendingEvent? next = DecideEvent();
            if (next is not null)
            {
                _event.Begin(next.Kind, next.Subject);
            }

            return next;
        }
    }

    /// <summary>An event with no answer to apply has returned: it is over.</summary>
    private void EndEvent()
    {
        IrpQueue waiters;
        lock (_lock)
        {
            _event.End(out _, out waiters);
        }

        EngineCore.CompleteWaiters(waiters);
    }

    /// <summary>Under the lock: the next event, reading from the kernel where an event needs data.</summary>
    private PendingEvent? DecideEvent()
    {
        ISocketEventSink? sink = EventSink;
        if (sink is null || (_events == SocketEvents.None && !_conditional))
        {
            return null;
        }

        if (_state == SocketState.Failed && !_failureIndicated && WasConnected)
        {
            _failureIndicated = true;
            if ((_events & SocketEvents.Disconnect) != 0 && !_disconnectIndicated)
            {
                _disconnectIndicated = true;
                return PendingEvent.Disconnect(_brokenAbortively);
            }

            return (_events & SocketEvents.Receive) != 0 ? PendingEvent.Failed() : null;
        }

        if (_conditional && _state == SocketState.Listening && NextInspectionEvent() is { } inspection)
        {
            return inspection;
        }

        if (_state == SocketState.Listening && (_events & SocketEvents.Accept) != 0 && _accepts.IsEmpty)
        {
            if (TakeConnection(out SocketEngine? accepted) == NtStatus.Success)
            {
                accepted!.GetAddress(remote: false, out SockAddr local);
                accepted.GetAddress(remote: true, out SockAddr remote);
                return PendingEvent.Accept(accepted, local, remote);
            }

            return null;
        }

        if (_state != SocketState.Connected)
        {
            return null;
        }

        if ((_events & SocketEvents.SendBacklog) != 0 && !_backlogIndicated && _host!.GetSendBufferSize(out int backlog) == NtStatus.Success)
        {
            _backlogIndicated = true;
            return PendingEvent.Backlog(backlog);
        }

        if ((_events & SocketEvents.Receive) != 0 && _receives.IsEmpty && !_receiveSuspended && _heldCount == 0 && !_peerClosed)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(IndicationSize);
            NtStatus status = _host!.Receive(buffer, out int n);
            if (status == NtStatus.Success && n > 0)
            {
                return PendingEvent.Receive(buffer, n); // Its buffer is the event's subject (EventInProgress).
            }

            ArrayPool<byte>.Shared.Return(buffer);
            if (status == NtStatus.Success)
            {
                _peerClosed = true; // FIN, read here because nobody else was reading.
            }
            else if (status != NtStatus.Pending)
            {
                BreakConnection(status);
                return NextEventAfterFailure();
            }
        }

        if ((_peerClosed || _hangupSeen) && (_events & SocketEvents.Disconnect) != 0 && !_disconnectIndicated && _heldCount == 0)
        {
            if (!_peerClosed && _host!.GetConnectResult() is var error && error != NtStatus.Success)
            {
                BreakConnection(error); // A reset seen as a hang-up: the socket is gone.
                return NextEventAfterFailure();
            }

            // With receive events on, the FIN is indicated after the data before it, once a read meets it. Without them
            // nobody may read for a long time: a hang-up with no error is the peer's FIN, indicated now.
            if (_peerClosed || (_events & SocketEvents.Receive) == 0)
            {
                _disconnectIndicated = true;
                return PendingEvent.Disconnect(abortive: false);
            }
        }

        return null;
    }

    private PendingEvent? NextEventAfterFailure()
    {
        _failureIndicated = true;
        if ((_events & SocketEvents.Disconnect) != 0 && !_disconnectIndicated)
        {
            _disconnectIndicated = true;
            return PendingEvent.Disconnect(_brokenAbortively);
        }

        return (_events & SocketEvents.Receive) != 0 ? PendingEvent.Failed() : null;
    }

    /// <summary>The client's answer to a receive event, applied under the lock.</summary>
    private void OnReceiveAnswered(byte[] buffer, int count, NtStatus status, int accepted)
    {
        IrpQueue waiters = default;
        try
        {
            lock (_lock)
            {
                bool releasedEarly = _event.End(out _, out waiters);
                AnswerReceive(buffer, count, status, accepted, releasedEarly);
            }
        }
        finally
        {
            EngineCore.CompleteWaiters(waiters); // Even if applying the answer threw: a close waiting for the event must not wait forever.
        }
    }

    /// <summary>Under the lock: what the receive event's answer leaves (<paramref name="releasedEarly"/>: a WskRelease of the
    /// indication came while the callback ran).</summary>
    private void AnswerReceive(byte[] buffer, int count, NtStatus status, int accepted, bool releasedEarly)
    {
        if (status == NtStatus.Pending)
        {
            if (releasedEarly)
            {
                ArrayPool<byte>.Shared.Return(buffer); // Kept, and already given back while the callback ran.
            }
            else
            {
                (_lent ??= new HashSet<byte[]>(ReferenceEqualityComparer.Instance)).Add(buffer); // The client's until WskRelease.
            }

            return;
        }

        // Not kept (a release that came meanwhile was the client's error, and gave nothing back: the memory is freed once).
        int kept = status == NtStatus.Success ? count - Math.Clamp(accepted, 0, count) : count;
        if (kept == 0 || _state == SocketState.Closed)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }

        // STATUS_DATA_NOT_ACCEPTED (or a partial accept): the data waits for WskReceive, and no receive event is
        // indicated until the client has taken it.
        _held = buffer;
        _heldOffset = count - kept;
        _heldCount = kept;
        _receiveSuspended = true;
        Pump(ref _receives);
    }

    /// <summary>One event to deliver, decided under the lock and delivered outside it.</summary>
    private sealed class PendingEvent
    {
        private EventKind _kind;
        private byte[]? _buffer;
        private int _count;
        private bool _abortive;
        private SocketEngine? _accepted;
        private SockAddr _local;
        private SockAddr _remote;

        /// <summary>The enable flag of the callback this event calls (None: the conditional-accept events).</summary>
        public SocketEvents Kind => _kind switch
        {
            EventKind.Receive or EventKind.Failed => SocketEvents.Receive,
            EventKind.Disconnect => SocketEvents.Disconnect,
            EventKind.Backlog => SocketEvents.SendBacklog,
            EventKind.Accept => SocketEvents.Accept,
            _ => SocketEvents.None,
        };

        /// <summary>What an answer from another thread may name while the callback runs: the indicated buffer (WskRelease),
        /// the inspected connection (WskInspectComplete); null for the other events.</summary>
        public object? Subject => _kind switch
        {
            EventKind.Receive => _buffer,
            EventKind.Inspect => _accepted,
            _ => null,
        };

        public static PendingEvent Receive(byte[] buffer, int count) => new() { _kind = EventKind.Receive, _buffer = buffer, _count = count };

        public static PendingEvent Disconnect(bool abortive) => new() { _kind = EventKind.Disconnect, _abortive = abortive };

        public static PendingEvent Failed() => new() { _kind = EventKind.Failed };

        public static PendingEvent Backlog(int size) => new() { _kind = EventKind.Backlog, _count = size };

        public static PendingEvent Accept(SocketEngine accepted, SockAddr local, SockAddr remote) => new() { _kind = EventKind.Accept, _accepted = accepted, _local = local, _remote = remote };

        public static PendingEvent Inspect(SocketEngine connection, SockAddr local, SockAddr remote) => new() { _kind = EventKind.Inspect, _accepted = connection, _local = local, _remote = remote };

        public static PendingEvent InspectAbort(uint serial) => new() { _kind = EventKind.InspectAbort, _count = (int)serial };

        public void Deliver(SocketEngine engine)
        {
            ISocketEventSink sink = engine.EventSink!;
            switch (_kind)
            {
                case EventKind.Receive:
                    NtStatus status = sink.OnReceive(_buffer!, _count, out int accepted);
                    engine.OnReceiveAnswered(_buffer!, _count, status, accepted);
                    break;
                case EventKind.Disconnect:
                    sink.OnDisconnect(_abortive);
                    engine.EndEvent();
                    break;
                case EventKind.Failed:
                    sink.OnFailed();
                    engine.EndEvent();
                    break;
                case EventKind.Backlog:
                    sink.OnSendBacklog(_count);
                    engine.EndEvent();
                    break;
                case EventKind.Inspect:
                    engine.OnInspected(_accepted!, sink.OnInspect(_local, _remote, engine.InspectKey, _accepted!._inspectSerial));
                    break;
                case EventKind.InspectAbort:
                    sink.OnInspectAborted(engine.InspectKey, (uint)_count);
                    engine.EndEvent();
                    break;
                default:
                    sink.OnAccept(_accepted!, _local, _remote);
                    engine.EndEvent();
                    break;
            }
        }

        /// <summary>Which of the sink's calls the event is.</summary>
        private enum EventKind
        {
            Receive,
            Disconnect,
            Failed,
            Backlog,
            Accept,
            Inspect,
            InspectAbort,
        }
    }
}

using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// Conditional accept, emulated. Linux has none: the kernel completes every handshake before anyone can be asked. So a
/// conditional listener takes each connection from the kernel at once, offers it for inspection (local and remote
/// address, an id), and then hands it to WskAccept or the accept event (accepted), holds it (pended, until the client
/// decides), or resets it before reading a byte (rejected). A connection the peer resets while it waits (pended, or
/// accepted and not yet taken) is dropped and reported through the abort event.
/// </summary>
internal sealed partial class SocketEngine
{
    private static long s_inspectKeys;
    private bool _conditional;
    private long _inspectKey;                        // a conditional listener's; on a connection it inspected, that listener's
    private uint _nextSerial;
    private List<SocketEngine>? _ready;              // accepted by inspection, waiting for WskAccept or the accept event
    private Dictionary<uint, SocketEngine>? _pended; // held until WskInspectComplete
    private Queue<uint>? _dropped;                   // reset while waiting: an abort event to deliver
    private volatile SocketEngine? _inspectOwner;    // on a connection waiting for its listener's decision
    private uint _inspectSerial;

    /// <summary>Whether the listener inspects connections before they are accepted.</summary>
    public bool ConditionalAccept
    {
        get
        {
            lock (_lock)
            {
                return _conditional;
            }
        }
    }

    /// <summary>The key of this listener's inspection ids (unique in the process).</summary>
    public long InspectKey => Volatile.Read(ref _inspectKey);

    /// <summary>The inspection id of a connection a conditional listener inspected and let in (SIO_WSK_QUERY_INSPECT_ID):
    /// false for any other socket (a listener, a connection made by connect, or one accepted without inspection).</summary>
    public bool TryGetInspectId(out long key, out uint serial)
    {
        key = _conditional ? 0 : Volatile.Read(ref _inspectKey);
        serial = _inspectSerial;
        return key != 0;
    }

    /// <summary>SO_CONDITIONAL_ACCEPT: only before the socket listens (STATUS_INVALID_DEVICE_STATE after).</summary>
    public NtStatus SetConditionalAccept(bool on)
    {
        lock (_lock)
        {
            if (_host is null)
            {
                return StateError(_state);
            }

            if (_state is not (SocketState.Open or SocketState.Bound))
            {
                return NtStatus.InvalidDeviceState;
            }

            _conditional = on;
            if (on && _inspectKey == 0)
            {
                _inspectKey = Interlocked.Increment(ref s_inspectKeys);
            }

            return NtStatus.Success;
        }
    }

    /// <summary>WskInspectComplete: the decision on a pended connection. STATUS_INVALID_DEVICE_STATE if the listener is not
    /// conditional; STATUS_INVALID_PARAMETER for an id it does not hold pended (another listener's, decided already, or
    /// dropped: the abort event said so).</summary>
    public NtStatus CompleteInspection(long key, uint serial, bool accept)
    {
        SocketEngine? rejected = null;
        lock (_lock)
        {
            if (!_conditional || _state != SocketState.Listening)
            {
                return _state is SocketState.Closed or SocketState.Failed ? StateError(_state) : NtStatus.InvalidDeviceState;
            }

            if (key != _inspectKey || _pended is null || !_pended.Remove(serial, out SocketEngine? connection))
            {
                // A driver's worker may decide before the inspect event that pends has returned (the event signalled it
                // and was preempted): the decision is kept and applied when the event returns WskInspectPend.
                if (key == _inspectKey && _event.Subject is SocketEngine running && running._inspectSerial == serial
                    && _event.TryAnswerEarly(running, accept))
                {
                    return NtStatus.Success;
                }

                return NtStatus.InvalidParameter;
            }

            if (accept)
            {
                AdmitInspected(connection);
            }
            else
            {
                rejected = connection;
            }
        }

        rejected?.Reject();
        return NtStatus.Success;
    }

    /// <summary>Takes the next connection for an accept: the kernel's, or for a conditional listener one that inspection let in.</summary>
    private NtStatus TakeConnection(out SocketEngine? accepted)
    {
        if (!_conditional)
        {
            return TryAcceptHost(out accepted);
        }

        accepted = null;
        if (_ready is not { Count: > 0 })
        {
            return NtStatus.Pending;
        }

        accepted = _ready[0];
        _ready.RemoveAt(0);
        accepted._inspectOwner = null;
        return NtStatus.Success;
    }

    /// <summary>The next inspection event of a conditional listener, under the lock: a drop to report, or a new connection to offer.</summary>
    private PendingEvent? NextInspectionEvent()
    {
        if (_dropped is { Count: > 0 })
        {
            return PendingEvent.InspectAbort(_dropped.Dequeue());
        }

        if (TryAcceptHost(out SocketEngine? connection) != NtStatus.Success)
        {
            return null;
        }

        connection!._inspectSerial = ++_nextSerial;
        connection._inspectKey = _inspectKey; // Its WSK_INSPECT_ID, for SIO_WSK_QUERY_INSPECT_ID once accepted.
        connection._inspectOwner = this;
        connection.GetAddress(remote: false, out SockAddr local);
        connection.GetAddress(remote: true, out SockAddr remote);
        return PendingEvent.Inspect(connection, local, remote);
    }

    /// <summary>The client's answer to an inspection (the inspection's event ends here).</summary>
    private void OnInspected(SocketEngine connection, InspectVerdict verdict)
    {
        SocketEngine? rejected = connection;
        IrpQueue waiters = default;
        try
        {
            lock (_lock)
            {
                // WskInspectPend with the decision already made by WskInspectComplete: that decision stands.
                if (_event.End(out bool accept, out waiters) && verdict == InspectVerdict.Pend)
                {
                    verdict = accept ? InspectVerdict.Accept : InspectVerdict.Reject;
                }

                if (_state == SocketState.Listening && verdict is InspectVerdict.Accept or InspectVerdict.Pend)
                {
                    if (verdict == InspectVerdict.Accept)
                    {
                        AdmitInspected(connection);
                    }
                    else
                    {
                        (_pended ??= []).Add(connection._inspectSerial, connection);
                    }

                    rejected = null;
                }
            }

            // Rejected (or the listener closed meanwhile): reset before a byte is read.
            rejected?.Reject();

            // A reset may have come while the client was deciding, when no drop could find the connection: look once more.
            if (rejected is null)
            {
                InspectedHungUp(connection);
            }
        }
        finally
        {
            EngineCore.CompleteWaiters(waiters); // Even if applying the answer threw: a close waiting for the event must not wait forever.
        }
    }

    /// <summary>Under the lock: the connection joins the accept queue; a waiting WskAccept takes it now.</summary>
    private void AdmitInspected(SocketEngine connection)
    {
        (_ready ??= []).Add(connection);
        Pump(ref _accepts);
        RequestDelivery();
    }

    /// <summary>A connection waiting for its listener's decision saw a hang-up: if the peer reset it, it is dropped.</summary>
    private void InspectedHungUp(SocketEngine connection)
    {
        lock (_lock)
        {
            bool waiting = (_pended is not null && _pended.TryGetValue(connection._inspectSerial, out SocketEngine? held) && held == connection)
                || (_ready is not null && _ready.Contains(connection));
            if (!waiting || !connection.WasReset())
            {
                return;
            }

            _pended?.Remove(connection._inspectSerial);
            _ready?.Remove(connection);
            (_dropped ??= new Queue<uint>()).Enqueue(connection._inspectSerial);
            connection.Close();
            RequestDelivery();
        }
    }

    /// <summary>Whether the host connection ended in a reset (not the peer's FIN).</summary>
    private bool WasReset()
    {
        lock (_lock)
        {
            return _host is null ? _state == SocketState.Failed : _host.GetConnectResult() != NtStatus.Success;
        }
    }

    /// <summary>Rejects an inspected connection: a reset, before any data is read, and the engine closed.</summary>
    private void Reject()
    {
        _inspectOwner = null;
        Abort();
        Close();
    }

    /// <summary>Under the lock, at close: the connections still waiting for a decision or an accept, to reset.</summary>
    private List<SocketEngine>? TakeInspected()
    {
        List<SocketEngine>? waiting = null;
        if (_ready is { Count: > 0 })
        {
            (waiting ??= []).AddRange(_ready);
            _ready.Clear();
        }

        if (_pended is { Count: > 0 })
        {
            (waiting ??= []).AddRange(_pended.Values);
            _pended.Clear();
        }

        return waiting;
    }
}

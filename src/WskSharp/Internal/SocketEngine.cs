using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WskSharp.FastOpen;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// The engine of one socket: its state, its pending IRPs (one connect, a send queue that also orders graceful
/// disconnects, a receive queue, an accept queue), and the one path by which each IRP completes, exactly once.
/// Calls try the host syscall at once and complete inline when they can; otherwise the IRP waits here until the
/// event loop reports readiness. One lock orders everything on the socket, including every host call, so a close
/// never races a syscall. Event callbacks are delivered by <see cref="SocketEngine"/>'s event half (SocketEngine.Events.cs);
/// a connect's Fast Open (decision, SYN data, report) is <see cref="FastOpenConnect"/>'s; what both engines do alike with
/// their IRPs is <see cref="EngineCore"/>'s.
/// </summary>
internal sealed partial class SocketEngine : IHostSocketEvents, IIrpCancelHandler, IReadinessHandler, IEventDeliverer
{
    private const int DrainChunk = 16 * 1024;
    private const int ShortRun = 1024;        // an MDL run below this is gathered with the ones after it into one syscall
    private const int GatherChunk = 16 * 1024; // at most this much is gathered or scattered per syscall

    private readonly Lock _lock = new();
    private IHostSocket? _host;
    private SocketState _state;
    private bool _sendClosing;   // a graceful WskDisconnect is queued or done: no more sends
    private bool _peerClosed;    // the peer's FIN has been read
    private Irp? _connectIrp;
    private IrpQueue _sends;
    private IrpQueue _receives;
    private IrpQueue _accepts;
    private FastOpenConnect _fastOpen;
    private int _fastOpenQueue;
    private readonly SocketEngineSettings _settings;
    private SockAddr? _deferredBind;

    /// <summary>Creates the engine and its host socket; null with the host's status on failure.</summary>
    public static NtStatus Create(IHostStack stack, ushort family, SocketEngineSettings settings, out SocketEngine? engine)
    {
        engine = new SocketEngine(family, settings);
        NtStatus status = stack.CreateStreamSocket(family, engine, out engine._host);
        if (status != NtStatus.Success)
        {
            engine = null;
        }

        return status;
    }

    private SocketEngine(ushort family, SocketEngineSettings settings)
    {
        Family = family;
        _settings = settings;
    }

    /// <summary>The address family fixed at creation.</summary>
    public ushort Family { get; }

    /// <summary>Code awaiting this socket's IRPs may resume on the event loop too, not only their completion routines
    /// (the WSK layer's <c>WskProviderOptions.CompleteOnEventLoop</c>).</summary>
    public bool CompleteOnEventLoop => _settings.CompleteOnEventLoop;

    /// <summary>Times the completions the event loop runs for this socket (null: none).</summary>
    public CompletionWatchdog? Watchdog => _settings.Watchdog;

    /// <inheritdoc/>
    bool IIrpCancelHandler.ContinueOnEventLoop => CompleteOnEventLoop;

    /// <summary>Where the engine logs what no caller can be told at once (the registration's logger, or none).</summary>
    public ILogger Logger => _settings.Logger;

    /// <summary>The current state (a snapshot: the engine re-checks under its lock).</summary>
    public SocketState State => _state;

    /// <summary>TCP_FASTOPEN as set through WskControlSocket: WskConnectEx with a buffer then uses the kernel's Fast Open
    /// client; on a listening socket, the kernel's Fast Open server queue is on.</summary>
    public bool FastOpen { get; private set; }

    /// <summary>TCP_NODELAY as last set.</summary>
    public bool NoDelay { get; private set; }

    /// <summary>The raw host error of the last failure, for diagnostics.</summary>
    public int LastHostError => _host?.LastError ?? 0;

    /// <summary>True once the socket has been connected (WskConnect/WskConnectEx succeeded, or it was accepted): a
    /// stream socket is then committed to the connection flow.</summary>
    public bool WasConnected { get; private set; }

    /// <summary>The Fast Open report of the last WskConnectEx.</summary>
    public WskFastOpenReport FastOpenReport
    {
        get
        {
            lock (_lock)
            {
                return _fastOpen.Report;
            }
        }
    }

    /// <summary>The status a call gets on a socket that can no longer take it, by state.</summary>
    public static NtStatus StateError(SocketState state) => state switch
    {
        SocketState.Failed => NtStatus.FileForcedClosed,
        SocketState.Closed => NtStatus.InvalidHandle,
        SocketState.Connected => NtStatus.ConnectionActive,
        _ => NtStatus.InvalidDeviceState,
    };

    /// <summary>
    /// WskBind. With <paramref name="deferWildcard"/> (connection sockets), a bind to the wildcard address and port 0 makes
    /// no syscall yet: connect binds such a socket itself, the same way, and saves the kernel a bind and a port search
    /// per connection. Anyone asking for the local address first gets the real bind then, so nothing visible differs.
    /// With <paramref name="listener"/> (listening sockets), the port may be one that connections accepted earlier still hold
    /// in TIME_WAIT, as Windows allows a restarted listener.
    /// </summary>
    public NtStatus Bind(in SockAddr local, bool deferWildcard = false, bool listener = false)
    {
        lock (_lock)
        {
            if (_state != SocketState.Open)
            {
                return StateError(_state);
            }

            if (listener && !_sharing.Exclusive && _host!.AllowTimeWaitPort() is var allowed && allowed != NtStatus.Success)
            {
                return allowed;
            }

            if (deferWildcard && local.Port == 0 && local.IsWildcard)
            {
                _deferredBind = local;
                _state = SocketState.Bound;
                return NtStatus.Success;
            }

            NtStatus status = _host!.Bind(local);
            if (status == NtStatus.Success)
            {
                _state = SocketState.Bound;
            }

            return status;
        }
    }

    /// <summary>Makes a deferred wildcard bind real (before a local address is read, or a listen).</summary>
    private NtStatus BindNow()
    {
        if (_deferredBind is not { } local)
        {
            return NtStatus.Success;
        }

        _deferredBind = null;
        return _host!.Bind(local);
    }

    public NtStatus SetNoDelay(bool on)
    {
        lock (_lock)
        {
            if (_host is null)
            {
                return StateError(_state);
            }

            NtStatus status = _host.SetNoDelay(on);
            if (status == NtStatus.Success)
            {
                NoDelay = on;
            }

            return status;
        }
    }

    /// <summary>TCP_FASTOPEN: for a client, whether WskConnectEx uses Fast Open; for a listener, the kernel's server queue
    /// (<paramref name="queue"/> pending Fast Open connections; applied at once if already listening).</summary>
    public NtStatus SetFastOpen(bool on, int queue)
    {
        lock (_lock)
        {
            if (_host is null)
            {
                return StateError(_state);
            }

            FastOpen = on;
            _fastOpenQueue = on ? queue : 0;
            return _state == SocketState.Listening ? _host.SetFastOpenQueue(_fastOpenQueue) : NtStatus.Success;
        }
    }

    public NtStatus GetAddress(bool remote, out SockAddr address)
    {
        lock (_lock)
        {
            address = default;
            if (_host is null)
            {
                return StateError(_state);
            }

            if (remote ? _state != SocketState.Connected : _state == SocketState.Open)
            {
                return NtStatus.InvalidDeviceState;
            }

            if (!remote && _state == SocketState.Bound && BindNow() is var bound && bound != NtStatus.Success)
            {
                return bound;
            }

            return remote ? _host.GetRemoteAddress(out address) : _host.GetLocalAddress(out address);
        }
    }

    /// <summary>Starts listening (WskListen, or WskBind on a listening socket): the socket must be bound and never connected.</summary>
    public NtStatus Listen(int backlog)
    {
        lock (_lock)
        {
            if (_state != SocketState.Bound)
            {
                return _state == SocketState.Listening ? NtStatus.Success : StateError(_state);
            }

            NtStatus status = BindNow();
            if (status == NtStatus.Success)
            {
                status = _host!.Listen(backlog);
            }

            if (status == NtStatus.Success && _fastOpenQueue > 0)
            {
                status = _host!.SetFastOpenQueue(_fastOpenQueue);
            }

            if (status == NtStatus.Success)
            {
                _state = SocketState.Listening;
            }

            return status;
        }
    }

    /// <summary>
    /// WskConnect/WskConnectEx after validation: connects, with Fast Open when it is on and there is data,
    /// then hands the rest of the buffer to the kernel; the IRP completes with the bytes of the buffer sent.
    /// </summary>
    public NtStatus Connect(in SockAddr remote, Mdl? mdl, int offset, int length, Irp irp)
    {
        NtStatus status;
        lock (_lock)
        {
            if (_state != SocketState.Bound)
            {
                status = StateError(_state);
                irp.CompleteInline(status);
                return status;
            }

            irp.Stack.MajorFunction = (int)IrpFunction.Connect;
            irp.Stack.Mdl = mdl;
            irp.Stack.Offset = offset;
            irp.Stack.Length = length;
            irp.Stack.Cursor = new MdlCursor(mdl, offset);
            _state = SocketState.Connecting;
            _deferredBind = null; // The kernel binds the wildcard and an ephemeral port as it connects.
            if (_fastOpen.Decide(remote, FastOpen && length > 0, _settings.Memory))
            {
                status = _fastOpen.Start(_host!, irp);
            }
            else
            {
                status = _host!.Connect(remote);
                if (status == NtStatus.Success)
                {
                    status = OnConnected(irp);
                }
            }

            if (status == NtStatus.Pending)
            {
                _connectIrp = irp;
                irp.ArmCancel(this);
            }
            else
            {
                ConnectDone(irp, status);
            }
        }

        // A connect that fails reports no bytes sent, whatever the SYN carried.
        return EngineCore.Finish(irp, status, this, status == NtStatus.Success ? (nuint)irp.Stack.Progress : 0);
    }

    /// <summary>The handshake finished: record the Fast Open outcome, then send what is left of the buffer.</summary>
    private NtStatus OnConnected(Irp irp)
    {
        _state = SocketState.Connected;
        WasConnected = true;
        _fastOpen.Connected(_host!, _settings.Memory);
        RequestDelivery(); // Events enabled before the connect may flow now (send backlog, data).
        return Transfer(irp);
    }

    /// <summary>The connect request is done: the report records how much of its buffer went out; a failed connect
    /// leaves the socket no longer functional.</summary>
    private void ConnectDone(Irp irp, NtStatus status)
    {
        _fastOpen.Done(status, irp.Stack.Progress, _settings.Memory);
        if (status != NtStatus.Success)
        {
            Fail();
        }
    }

    public NtStatus Send(Mdl? mdl, int offset, int length, TransferFlags flags, Irp irp) => Queue(IrpFunction.Send, mdl, offset, length, flags, null, irp);

    public NtStatus Receive(Mdl? mdl, int offset, int length, TransferFlags flags, Irp irp) => Queue(IrpFunction.Receive, mdl, offset, length, flags, null, irp);

    /// <summary>Graceful WskDisconnect: after every queued send, the optional buffer, then FIN. Sends are refused from now on.</summary>
    public NtStatus Disconnect(Mdl? mdl, int offset, int length, Irp irp) => Queue(IrpFunction.Disconnect, mdl, offset, length, TransferFlags.None, null, irp);

    public NtStatus Accept(AcceptRequest request, Irp irp) => Queue(IrpFunction.Accept, null, 0, 0, TransferFlags.None, request, irp);

    private NtStatus Queue(IrpFunction function, Mdl? mdl, int offset, int length, TransferFlags flags, object? context, Irp irp)
    {
        NtStatus status;
        lock (_lock)
        {
            status = CanQueue(function);
            if (status != NtStatus.Success)
            {
                irp.CompleteInline(status);
                return status;
            }

            irp.Stack.MajorFunction = (int)function;
            irp.Stack.Mdl = mdl;
            irp.Stack.Offset = offset;
            irp.Stack.Length = length;
            irp.Stack.Cursor = new MdlCursor(mdl, offset);
            irp.Stack.Flags = (uint)flags;
            irp.Stack.Context = context;
            ref IrpQueue queue = ref QueueOf(function);
            if (function == IrpFunction.Disconnect)
            {
                _sendClosing = true;
            }

            // Try first, but only at the head of the queue: requests on one socket go out in order.
            status = queue.IsEmpty && (function is IrpFunction.Receive or IrpFunction.Accept || _connectIrp is null)
                ? Transfer(irp)
                : NtStatus.Pending;
            if (status == NtStatus.Pending)
            {
                queue.Enqueue(irp);
                irp.ArmCancel(this);
            }
            else if (status != NtStatus.Success && status != NtStatus.Cancelled)
            {
                BreakConnection(status);
            }
        }

        return EngineCore.Finish(irp, status, this, (nuint)irp.Stack.Progress, irp.Stack.Result);
    }

    private NtStatus CanQueue(IrpFunction function) => function switch
    {
        IrpFunction.Accept => _state == SocketState.Listening ? NtStatus.Success : _state is SocketState.Failed or SocketState.Closed ? StateError(_state) : NtStatus.InvalidDeviceState,
        _ when _state != SocketState.Connected => _state is SocketState.Failed or SocketState.Closed ? StateError(_state) : NtStatus.InvalidDeviceState,
        IrpFunction.Send or IrpFunction.Disconnect when _sendClosing => NtStatus.InvalidDeviceState,
        _ => NtStatus.Success,
    };

    private ref IrpQueue QueueOf(IrpFunction function)
    {
        switch (function)
        {
            case IrpFunction.Receive:
                return ref _receives;
            case IrpFunction.Accept:
                return ref _accepts;
            default:
                return ref _sends;
        }
    }

    /// <summary>Does as much of one request as the host allows now: Success (done), Pending (must wait), or an error.</summary>
    private NtStatus Transfer(Irp irp) => (IrpFunction)irp.Stack.MajorFunction switch
    {
        IrpFunction.Receive => ((TransferFlags)irp.Stack.Flags & TransferFlags.Drain) != 0 ? DrainReceive(irp) : ReceiveInto(irp),
        IrpFunction.Accept => AcceptOne(irp),
        IrpFunction.Disconnect => SendFrom(irp) is var sent && sent != NtStatus.Success ? sent : ShutdownSend(),
        _ => SendFrom(irp),
    };

    private NtStatus SendFrom(Irp irp)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        bool nagleOff = ((TransferFlags)stack.Flags & TransferFlags.NoDelay) != 0 && !NoDelay;
        if (nagleOff)
        {
            _host!.SetNoDelay(true); // WSK_FLAG_NODELAY: this send goes out at once, whatever Nagle holds.
        }

        byte[]? gather = null;
        try
        {
            while (stack.Progress < stack.Length)
            {
                int remaining = stack.Length - stack.Progress;
                Memory<byte> run = stack.Cursor.Run(remaining);
                ReadOnlySpan<byte> data = run.Span;
                if (run.Length < ShortRun && run.Length < remaining)
                {
                    // Short MDLs, one syscall each, would cost a syscall per few bytes: gather a chunk of the chain instead.
                    gather ??= ArrayPool<byte>.Shared.Rent(GatherChunk);
                    data = gather.AsSpan(0, stack.Cursor.Peek(gather.AsSpan(0, Math.Min(remaining, GatherChunk))));
                }

                NtStatus status = _host!.Send(data, out int sent);
                if (status != NtStatus.Success)
                {
                    return status; // Pending (no room) or an error.
                }

                stack.Progress += sent;
                stack.Cursor.Advance(sent);
            }

            return NtStatus.Success;
        }
        finally
        {
            if (gather is not null)
            {
                ArrayPool<byte>.Shared.Return(gather);
            }

            if (nagleOff)
            {
                _host?.SetNoDelay(false);
            }
        }
    }

    private NtStatus ShutdownSend() => _host!.ShutdownSend();

    private NtStatus ReceiveInto(Irp irp)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        bool waitAll = ((TransferFlags)stack.Flags & TransferFlags.WaitAll) != 0;
        while (stack.Progress < stack.Length)
        {
            int remaining = stack.Length - stack.Progress;
            Memory<byte> run = stack.Cursor.Run(remaining);
            int moved = TakeHeld(run.Span);
            if (moved == 0)
            {
                if (_peerClosed)
                {
                    return NtStatus.Success; // What arrived before the FIN (0 = the peer closed gracefully).
                }

                bool scatter = run.Length < ShortRun && run.Length < remaining;
                NtStatus status = scatter
                    ? ReceiveScattered(ref stack.Cursor, Math.Min(remaining, GatherChunk), out moved)
                    : _host!.Receive(run.Span, out moved);
                if (status != NtStatus.Success)
                {
                    return status; // Pending (nothing yet) or an error.
                }

                if (moved == 0)
                {
                    PeerClosed();
                    return NtStatus.Success;
                }

                if (!scatter)
                {
                    stack.Cursor.Advance(moved);
                }
            }
            else
            {
                stack.Cursor.Advance(moved);
            }

            stack.Progress += moved;
            if (!waitAll)
            {
                return NtStatus.Success;
            }
        }

        return NtStatus.Success;
    }

    /// <summary>Short MDLs, one syscall each, would cost a syscall per few bytes: receives up to <paramref name="length"/>
    /// bytes at once, then spreads them over the chain (moving the cursor past them).</summary>
    private NtStatus ReceiveScattered(ref MdlCursor cursor, int length, out int moved)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            NtStatus status = _host!.Receive(scratch.AsSpan(0, length), out moved);
            if (status == NtStatus.Success)
            {
                cursor.Scatter(scratch.AsSpan(0, moved));
            }

            return status;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>WSK_FLAG_DRAIN: discard everything until the peer disconnects; Information is the bytes discarded.</summary>
    private NtStatus DrainReceive(Irp irp)
    {
        Span<byte> scratch = stackalloc byte[DrainChunk];
        irp.Stack.Progress += TakeHeld(Span<byte>.Empty, discardAll: true);
        while (!_peerClosed)
        {
            NtStatus status = _host!.Receive(scratch, out int moved);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (moved == 0)
            {
                PeerClosed();
            }

            irp.Stack.Progress += moved;
        }

        return NtStatus.Success;
    }

    /// <summary>A WskReceive read the peer's FIN: a disconnect event not yet indicated may be due now (the hang-up that
    /// announced the FIN may have come and gone before anyone read it).</summary>
    private void PeerClosed()
    {
        _peerClosed = true;
        RequestDelivery();
    }

    /// <summary>Readiness from the event loop: finish a connect, then pump the queues, then deliver events.</summary>
    public void OnReady(bool readable, bool writable, bool hangup) => EngineCore.OnReady(this, Watchdog, readable, writable, hangup);

    void IReadinessHandler.Ready(bool readable, bool writable, bool hangup) => Ready(readable, writable, hangup);

    void IReadinessHandler.Failed(Exception exception) => HandlerFailed(exception);

    private void Ready(bool readable, bool writable, bool hangup)
    {
        lock (_lock)
        {
            if (_host is null)
            {
                return;
            }

            if (writable && _connectIrp is { } connect)
            {
                NtStatus status = NtStatus.Success;
                if (_state == SocketState.Connecting)
                {
                    // Writable without an error or hang-up means established (the socket joined the loop in SYN_SENT,
                    // so no stale edge can say so early): only a failure needs SO_ERROR to say which.
                    status = hangup ? _host.GetConnectResult() : NtStatus.Success;
                    if (status == NtStatus.Success)
                    {
                        status = OnConnected(connect);
                    }
                }
                else
                {
                    status = Transfer(connect);
                }

                if (status != NtStatus.Pending)
                {
                    _connectIrp = null;
                    ConnectDone(connect, status);
                    connect.CompleteLater(status, (nuint)(status == NtStatus.Success ? connect.Stack.Progress : 0));
                }
            }

            if (_state == SocketState.Listening && readable)
            {
                Pump(ref _accepts);
            }

            if (_state == SocketState.Connected)
            {
                if (writable && _connectIrp is null)
                {
                    Pump(ref _sends);
                }

                if (readable)
                {
                    Pump(ref _receives);
                }

                if (hangup)
                {
                    NoteHangup();
                }
            }
        }

        if (_events != SocketEvents.None || _conditional)
        {
            DeliverEvents(); // Only sockets with events enabled (or inspections to make) pay for a delivery pass.
        }

        if (hangup && _inspectOwner is { } owner)
        {
            owner.InspectedHungUp(this); // Waiting for its listener's decision: a reset drops it (WskAbortEvent).
        }
    }

    private void Pump(ref IrpQueue queue)
    {
        while (queue.Head is { } irp)
        {
            NtStatus status = Transfer(irp);
            if (status == NtStatus.Pending)
            {
                return;
            }

            queue.Dequeue();
            irp.CompleteLater(status, (nuint)irp.Stack.Progress, irp.Stack.Result);
            if (status != NtStatus.Success)
            {
                BreakConnection(status);
                return;
            }
        }
    }

    /// <summary>
    /// Readiness handling (or an event callback it ran) threw: the socket's state is no longer known, so the socket is
    /// failed and every request waiting on it completes now with STATUS_INTERNAL_ERROR (none may wait for an event that
    /// might never come), and the exception is logged. The event loop goes on serving every other socket.
    /// </summary>
    private void HandlerFailed(Exception exception)
    {
        EngineLog.ReadinessHandlerFailed(Logger, exception);
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                return;
            }

            FailPending(NtStatus.InternalError);
            _brokenAbortively = true; // The host socket is reset: the peer sees an abort.
            Fail();
            RequestDelivery();
        }
    }

    /// <summary>Cancel routine: takes the IRP back if it still waits here and completes it with STATUS_CANCELLED.</summary>
    public void CancelIrp(Irp irp)
    {
        bool found;
        lock (_lock)
        {
            if (ReferenceEquals(irp, _connectIrp))
            {
                // A half-made connection cannot be resumed: the socket is no longer functional.
                _connectIrp = null;
                found = true;
                Fail();
            }
            else if (_receives.Remove(irp) || _accepts.Remove(irp))
            {
                found = true;
            }
            else if (_sends.Remove(irp))
            {
                found = true;
                if (irp.Stack.Progress > 0 || (IrpFunction)irp.Stack.MajorFunction == IrpFunction.Disconnect)
                {
                    Fail(); // Part of the send is on the wire: the stream cannot stay consistent.
                }
            }
            else
            {
                found = false;
            }
        }

        if (found)
        {
            irp.CompleteInline(NtStatus.Cancelled, (nuint)irp.Stack.Progress);
        }
    }

    /// <summary>
    /// WskDisconnect with WSK_FLAG_ABORTIVE: RST now; every pending request completes with STATUS_CANCELLED, then the
    /// socket is no longer functional (only WskCloseSocket works on it).
    /// </summary>
    public NtStatus Abort()
    {
        PendingRequests pending;
        lock (_lock)
        {
            if (_state != SocketState.Connected)
            {
                return _state is SocketState.Failed or SocketState.Closed ? StateError(_state) : NtStatus.InvalidDeviceState;
            }

            pending = TakePending();
            Fail();
        }

        pending.CompleteAll(NtStatus.Cancelled);
        return NtStatus.Success;
    }

    /// <summary>
    /// Marks the socket no longer functional and releases the host socket (with a reset), as the provider does
    /// when the host socket failed. Pending requests complete with <see cref="NtStatus.FileForcedClosed"/>.
    /// </summary>
    public void ForceClose()
    {
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                return;
            }

            Fail();
            FailPending(NtStatus.FileForcedClosed);
        }
    }

    /// <summary>Closes the socket (the provider's own closes: a refused or rejected connection, a failed create): every
    /// pending IRP completes with STATUS_CANCELLED first, then the descriptor closes, once.</summary>
    public NtStatus Close() => Close(null, null);

    /// <summary>
    /// WskCloseSocket: the socket closes now (<see cref="Close()"/>: nothing is indicated from here on), and
    /// <paramref name="irp"/> completes once no event callback of this socket is running, for in-progress callbacks
    /// return before a close completes: Success (completed) if none runs, Pending if one does (the client closed from
    /// another thread, or from inside the callback), completed with Success when it returns. <paramref name="closed"/>
    /// runs just before the IRP completes, on success only. STATUS_INVALID_HANDLE (completed) if it was closed already.
    /// </summary>
    public NtStatus Close(Irp? irp, Action? closed)
    {
        PendingRequests pending;
        List<SocketEngine>? inspected;
        bool waits;
        lock (_lock)
        {
            if (_state == SocketState.Closed)
            {
                irp?.CompleteInline(NtStatus.InvalidHandle);
                return NtStatus.InvalidHandle;
            }

            waits = irp is not null && _event.IsRunning;
            if (waits)
            {
                irp!.Stack.Context = closed;
                irp.MarkPending();
                _event.Wait(irp);
            }

            inspected = TakeInspected();
            pending = TakePending();
            _state = SocketState.Closed;
            if (pending.Any)
            {
                _host?.Abort(); // Requests were cut off: the peer must not mistake this for a clean end.
            }
            else
            {
                _host?.Dispose();
            }

            _host = null;
            ReleaseHeld();
        }

        pending.CompleteAll(NtStatus.Cancelled);
        if (inspected is not null)
        {
            foreach (SocketEngine connection in inspected)
            {
                connection.Reject(); // Waiting for a decision or an accept that will never come.
            }
        }

        if (waits)
        {
            return NtStatus.Pending; // The callback's return completes it (EventInProgress).
        }

        closed?.Invoke();
        irp?.CompleteInline(NtStatus.Success);
        return NtStatus.Success;
    }

    private PendingRequests TakePending()
    {
        var pending = new PendingRequests(_connectIrp, _sends, _receives, _accepts);
        _connectIrp = null;
        _sends = default;
        _receives = default;
        _accepts = default;
        return pending;
    }

    /// <summary>The requests a close or an abort took from the socket, completed outside its lock.</summary>
    private readonly struct PendingRequests(Irp? connect, IrpQueue sends, IrpQueue receives, IrpQueue accepts)
    {
        public bool Any => connect is not null || !sends.IsEmpty || !receives.IsEmpty || !accepts.IsEmpty;

        public void CompleteAll(NtStatus status)
        {
            connect?.CompleteInline(status);
            EngineCore.CompleteAll(sends, status);
            EngineCore.CompleteAll(receives, status);
            EngineCore.CompleteAll(accepts, status); // An accept moves no bytes: its progress is 0.
        }
    }

    /// <summary>A send or receive failed (reset, broken pipe, ...): the connection is gone; pending requests get the error.</summary>
    private void BreakConnection(NtStatus status)
    {
        if (_state != SocketState.Connected)
        {
            return;
        }

        FailPending(status);
        _brokenAbortively = status == NtStatus.ConnectionReset || status == NtStatus.ConnectionAborted;
        Fail();
        RequestDelivery();
    }

    /// <summary>The socket is no longer functional: the host socket is reset and released.</summary>
    private void Fail()
    {
        _state = SocketState.Failed;
        _host?.Abort();
        _host = null;
    }

    private void FailPending(NtStatus status)
    {
        if (_connectIrp is { } connect)
        {
            _connectIrp = null;
            connect.CompleteLater(status);
        }

        EngineCore.CompleteAllLater(ref _sends, status);
        EngineCore.CompleteAllLater(ref _receives, status);
        EngineCore.CompleteAllLater(ref _accepts, status);
    }
}

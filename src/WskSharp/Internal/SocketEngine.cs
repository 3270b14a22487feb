using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Wsk;

namespace WskSharp.Internal;

/// <summary>
/// The engine of one socket: its state, its pending IRPs (one connect, a send queue, a receive queue), and
/// the one path by which each IRP completes, exactly once. Calls try the host syscall at once and complete
/// inline when they can; otherwise the IRP waits here until the event loop reports readiness. One lock
/// orders everything on the socket, including every host call, so a close never races a syscall.
/// </summary>
internal sealed class SocketEngine : IHostSocketEvents, IIrpCancelHandler
{
    private const int SynGatherLimit = 2048;

    private readonly Lock _lock = new();
    private IHostSocket? _host;
    private SocketState _state;
    private Irp? _connectIrp;
    private IrpQueue _sends;
    private IrpQueue _receives;
    private WskFastOpenReport _fastOpen;

    /// <summary>Creates the engine and its host socket; null with the host's status on failure.</summary>
    public static NtStatus Create(IHostStack stack, ushort family, out SocketEngine? engine)
    {
        engine = new SocketEngine(family);
        NtStatus status = stack.CreateStreamSocket(family, engine, out engine._host);
        if (!status.IsSuccess)
        {
            engine = null;
        }

        return status;
    }

    private SocketEngine(ushort family) => Family = family;

    /// <summary>The address family fixed at creation.</summary>
    public ushort Family { get; }

    /// <summary>The current state (a snapshot: the engine re-checks under its lock).</summary>
    public SocketState State => _state;

    /// <summary>TCP_FASTOPEN as set through WskControlSocket: WskConnectEx with a buffer then uses the kernel's Fast Open.</summary>
    public bool FastOpen { get; set; }

    /// <summary>TCP_NODELAY as last set.</summary>
    public bool NoDelay { get; private set; }

    /// <summary>The raw host error of the last failure, for diagnostics.</summary>
    public int LastHostError => _host?.LastError ?? 0;

    /// <summary>The Fast Open report of the last WskConnectEx.</summary>
    public WskFastOpenReport FastOpenReport
    {
        get
        {
            lock (_lock)
            {
                return _fastOpen;
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

    public NtStatus Bind(in SockAddr local)
    {
        lock (_lock)
        {
            if (_state != SocketState.Open)
            {
                return StateError(_state);
            }

            NtStatus status = _host!.Bind(local);
            if (status.IsSuccess)
            {
                _state = SocketState.Bound;
            }

            return status;
        }
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
            if (status.IsSuccess)
            {
                NoDelay = on;
            }

            return status;
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

            if (remote && _state != SocketState.Connected)
            {
                return NtStatus.InvalidDeviceState;
            }

            return remote ? _host.GetRemoteAddress(out address) : _host.GetLocalAddress(out address);
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

            irp.Stack.MajorFunction = IrpFunction.Connect;
            irp.Stack.Mdl = mdl;
            irp.Stack.Offset = offset;
            irp.Stack.Length = length;
            _state = SocketState.Connecting;
            bool fastOpen = FastOpen && length > 0;
            _fastOpen = new WskFastOpenReport(fastOpen ? WskFastOpenFlags.Requested : WskFastOpenFlags.None, 0, 0, WskFastOpenFailReason.None);
            if (fastOpen)
            {
                status = StartFastOpen(remote, irp);
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
            }
            else if (!status.IsSuccess)
            {
                Fail();
            }

            ConnectDone(irp, status);
        }

        return Finish(irp, status);
    }

    private NtStatus StartFastOpen(in SockAddr remote, Irp irp)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        Memory<byte> first = Mdl.SegmentAt(stack.Mdl!, stack.Offset, 0, stack.Length);
        NtStatus status;
        int queued;
        if (first.Length < stack.Length && first.Length < SynGatherLimit)
        {
            // A short first MDL would make a short SYN: gather what one SYN can carry from the chain.
            Span<byte> gathered = stackalloc byte[Math.Min(stack.Length, SynGatherLimit)];
            var buffer = new WskBuf(stack.Mdl, (uint)stack.Offset, (nuint)gathered.Length);
            buffer.CopyTo(gathered);
            status = _host!.ConnectWithData(remote, gathered, out queued);
        }
        else
        {
            status = _host!.ConnectWithData(remote, first.Span, out queued);
        }

        if (status.IsSuccess && queued > 0)
        {
            stack.Progress = queued;
            _fastOpen = _fastOpen with { Flags = _fastOpen.Flags | WskFastOpenFlags.SynDataSent, BytesInSyn = (uint)queued };
            return NtStatus.Pending; // The SYN is out with the data; the handshake is still in flight.
        }

        if (status.IsSuccess || status == NtStatus.Pending)
        {
            // No cookie cached: the SYN asks for one and carries nothing (the kernel says EINPROGRESS, or takes 0
            // bytes); the whole buffer goes after the handshake.
            _fastOpen = _fastOpen with { Flags = _fastOpen.Flags | WskFastOpenFlags.CookieRequested };
            return NtStatus.Pending;
        }

        return status;
    }

    /// <summary>The handshake finished: record the Fast Open outcome, then send what is left of the buffer.</summary>
    private NtStatus OnConnected(Irp irp)
    {
        _state = SocketState.Connected;
        if ((_fastOpen.Flags & WskFastOpenFlags.Requested) != 0 && _host!.GetFastOpenInfo(out HostFastOpenInfo info).IsSuccess)
        {
            WskFastOpenFlags flags = _fastOpen.Flags | WskFastOpenFlags.Completed;
            if (info.SynDataAcknowledged)
            {
                flags |= WskFastOpenFlags.SynDataAcknowledged;
            }

            _fastOpen = _fastOpen with { Flags = flags, FailReason = (WskFastOpenFailReason)info.FailReason };
        }
        else
        {
            _fastOpen = _fastOpen with { Flags = _fastOpen.Flags | WskFastOpenFlags.Completed };
        }

        return Transfer(irp, send: true);
    }

    public NtStatus Send(Mdl? mdl, int offset, int length, uint flags, Irp irp) => Queue(IrpFunction.Send, ref _sends, mdl, offset, length, flags, irp);

    public NtStatus Receive(Mdl? mdl, int offset, int length, uint flags, Irp irp) => Queue(IrpFunction.Receive, ref _receives, mdl, offset, length, flags, irp);

    private NtStatus Queue(int function, ref IrpQueue queue, Mdl? mdl, int offset, int length, uint flags, Irp irp)
    {
        NtStatus status;
        lock (_lock)
        {
            if (_state != SocketState.Connected)
            {
                status = _state == SocketState.Connecting ? NtStatus.InvalidDeviceState : _state == SocketState.Connected ? NtStatus.Success : StateError(_state);
                irp.CompleteInline(status);
                return status;
            }

            irp.Stack.MajorFunction = function;
            irp.Stack.Mdl = mdl;
            irp.Stack.Offset = offset;
            irp.Stack.Length = length;
            irp.Stack.Flags = flags;

            // Try first, but only at the head of the queue: requests on one socket go out in order.
            status = queue.IsEmpty && (function != IrpFunction.Send || _connectIrp is null)
                ? Transfer(irp, function == IrpFunction.Send)
                : NtStatus.Pending;
            if (status == NtStatus.Pending)
            {
                queue.Enqueue(irp);
            }
            else if (!status.IsSuccess && status != NtStatus.Cancelled)
            {
                FailPending(status);
            }
        }

        return Finish(irp, status);
    }

    /// <summary>Moves bytes for one IRP until it is done (Success), must wait (Pending), or fails.</summary>
    private NtStatus Transfer(Irp irp, bool send)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        while (stack.Progress < stack.Length)
        {
            Memory<byte> run = Mdl.SegmentAt(stack.Mdl!, stack.Offset, stack.Progress, stack.Length - stack.Progress);
            NtStatus status;
            int moved;
            if (send)
            {
                status = _host!.Send(run.Span, out moved);
            }
            else
            {
                status = _host!.Receive(run.Span, out moved);
                if (status == NtStatus.Success && moved == 0)
                {
                    return NtStatus.Success; // The peer closed: complete with what arrived (0 = graceful close).
                }
            }

            if (status != NtStatus.Success)
            {
                return status; // Pending (would block) or an error.
            }

            stack.Progress += moved;
            if (!send && (stack.Flags & WskConstants.WSK_FLAG_WAITALL) == 0)
            {
                return NtStatus.Success;
            }
        }

        return NtStatus.Success;
    }

    /// <summary>Readiness from the event loop: finish a connect, then pump the send and receive queues.</summary>
    public void OnReady(bool readable, bool writable)
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
                    status = _host.GetConnectResult();
                    if (status == NtStatus.Success)
                    {
                        status = OnConnected(connect);
                    }
                }
                else
                {
                    status = Transfer(connect, send: true);
                }

                if (status != NtStatus.Pending)
                {
                    _connectIrp = null;
                    ConnectDone(connect, status);
                    if (!status.IsSuccess)
                    {
                        Fail();
                    }

                    connect.CompleteLater(status, (nuint)(status.IsSuccess ? connect.Stack.Progress : 0));
                }
            }

            if (_state != SocketState.Connected)
            {
                return;
            }

            if (writable && _connectIrp is null)
            {
                Pump(ref _sends, send: true);
            }

            if (readable)
            {
                Pump(ref _receives, send: false);
            }
        }
    }

    private void Pump(ref IrpQueue queue, bool send)
    {
        while (queue.Head is { } irp)
        {
            NtStatus status = Transfer(irp, send);
            if (status == NtStatus.Pending)
            {
                return;
            }

            queue.Dequeue();
            irp.CompleteLater(status, (nuint)irp.Stack.Progress);
            if (!status.IsSuccess)
            {
                FailPending(status);
                return;
            }
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
            else if (_receives.Remove(irp))
            {
                found = true;
            }
            else if (_sends.Remove(irp))
            {
                found = true;
                if (irp.Stack.Progress > 0)
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

    /// <summary>WskCloseSocket: every pending IRP completes with STATUS_CANCELLED first, then the descriptor closes, once.</summary>
    public NtStatus Close()
    {
        Irp? connect;
        IrpQueue sends, receives;
        lock (_lock)
        {
            if (_state == SocketState.Closed)
            {
                return NtStatus.InvalidHandle;
            }

            connect = _connectIrp;
            sends = _sends;
            receives = _receives;
            _connectIrp = null;
            _sends = default;
            _receives = default;
            bool pending = connect is not null || !sends.IsEmpty || !receives.IsEmpty;
            _state = SocketState.Closed;
            if (pending)
            {
                _host?.Abort(); // Requests were cut off: the peer must not mistake this for a clean end.
            }
            else
            {
                _host?.Dispose();
            }

            _host = null;
        }

        connect?.CompleteInline(NtStatus.Cancelled);
        while (sends.Dequeue() is { } send)
        {
            send.CompleteInline(NtStatus.Cancelled, (nuint)send.Stack.Progress);
        }

        while (receives.Dequeue() is { } receive)
        {
            receive.CompleteInline(NtStatus.Cancelled, (nuint)receive.Stack.Progress);
        }

        return NtStatus.Success;
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

        while (_sends.Dequeue() is { } send)
        {
            send.CompleteLater(status, (nuint)send.Stack.Progress);
        }

        while (_receives.Dequeue() is { } receive)
        {
            receive.CompleteLater(status, (nuint)receive.Stack.Progress);
        }
    }

    /// <summary>The connect request is done: the report records how much of its buffer went out.</summary>
    private void ConnectDone(Irp irp, NtStatus status)
    {
        if (status == NtStatus.Success)
        {
            _fastOpen = _fastOpen with { BytesSent = (uint)irp.Stack.Progress };
        }
    }

    private NtStatus Finish(Irp irp, NtStatus status)
    {
        if (status == NtStatus.Pending)
        {
            irp.SetCancelHandler(this);
        }
        else
        {
            irp.CompleteInline(status, (nuint)(status.IsSuccess || irp.Stack.MajorFunction != IrpFunction.Connect ? irp.Stack.Progress : 0));
        }

        return status;
    }
}

using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WskSharp.Nt;
using WskSharp.Transport;
using WskSharp.Ws2;

namespace WskSharp.Internal;

/// <summary>
/// The engine of one datagram (UDP) socket, beside the stream engine over the same IRP core: a send queue and a receive
/// queue of IRPs, each tried at once and otherwise completed as the event loop reports readiness. A send completes when
/// the datagram is handed to the host; a receive completes with one datagram (its sender, its packet information, MSG_TRUNC
/// when it was longer than the buffer). With the receive-from event on, datagrams no receive waits for are indicated to
/// the WSK layer from memory of the engine's own, which a client may keep until it releases it: one event carries a list of
/// the datagrams waiting, at most <see cref="IndicationListLimit"/>. One lock orders everything on the socket, including every
/// host call.
/// </summary>
internal sealed class DatagramEngine : IHostSocketEvents, IIrpCancelHandler, IReadinessHandler, IEventDeliverer, IThreadPoolWorkItem
{
    private readonly Lock _lock = new();
    private IHostDatagramSocket? _host;
    private SocketState _state;
    private IrpQueue _sends;
    private IrpQueue _receives;
    private DatagramRequest? _freeRequests;
    private HeldDatagram? _freeHeld;
    private HeldDatagram? _refused;      // refused by the event (DataNotAccepted), oldest first: receives take them in order
    private HeldDatagram? _refusedLast;  // the last of them, where the next refused list joins
    private byte[]? _scratch;            // gathers or scatters a datagram over a chain of several MDLs
    private ReadOnlyMemory<byte>[]? _batch; // WskSendMessages: the datagrams of one host SendMany (made at the first list)
    private SockAddr? _defaultRemote;
    private bool _packetInfo;
    private bool _receiveEvents;
    private DeliveryGate _delivery;
    private EventInProgress _event;      // the receive-from event running (decided, not returned), and what waits for its return
    private AddressSharing _sharing;

    private DatagramEngine(ushort family) => Family = family;

    /// <summary>The most datagrams one receive-from event indicates as a list (linked through Next): what is waiting when the
    /// event is decided, up to this. Each entry holds a datagram's worth of memory of its own while the client has it, so the
    /// bound keeps a socket's memory to a few hundred KiB however far behind its client falls.</summary>
    public const int IndicationListLimit = 8;

    /// <summary>Creates the engine and its host socket; null with the host's status on failure.</summary>
    public static NtStatus Create(IHostStack stack, ushort family, bool completeOnEventLoop, CompletionWatchdog? watchdog, ILogger? logger,
        out DatagramEngine? engine)
    {
        engine = new DatagramEngine(family) { CompleteOnEventLoop = completeOnEventLoop, Watchdog = watchdog, Logger = logger ?? NullLogger.Instance };
        NtStatus status = stack.CreateDatagramSocket(family, engine, out engine._host);
        if (status != NtStatus.Success)
        {
            engine = null;
        }

        return status;
    }

    /// <summary>The address family fixed at creation.</summary>
    public ushort Family { get; }

    /// <summary>The current state (Open, Bound, Failed or Closed; a snapshot: the engine re-checks under its lock).</summary>
    public SocketState State => _state;

    /// <summary>Code awaiting this socket's IRPs may resume on the event loop too.</summary>
    public bool CompleteOnEventLoop { get; private init; }

    /// <summary>Times the completions the event loop runs for this socket (null: none).</summary>
    public CompletionWatchdog? Watchdog { get; private init; }

    /// <summary>Where the engine logs what no caller can be told at once.</summary>
    public ILogger Logger { get; private init; } = NullLogger.Instance;

    /// <summary>The raw host error of the last failure, for diagnostics.</summary>
    public int LastHostError => _host?.LastError ?? 0;

    /// <summary>Where receive-from events go (the WSK socket).</summary>
    public IDatagramEventSink? EventSink { get; set; }

    /// <summary>The remote a send without one goes to (SIO_WSK_SET_REMOTE_ADDRESS / SIO_WSK_SET_SENDTO_ADDRESS), if set.</summary>
    public SockAddr? DefaultRemote
    {
        get
        {
            lock (_lock)
            {
                return _defaultRemote;
            }
        }
    }

    bool IIrpCancelHandler.ContinueOnEventLoop => CompleteOnEventLoop;

    /// <summary>WskBind: binds once (port 0: an ephemeral port); readiness flows from then on.</summary>
    public NtStatus Bind(in SockAddr local)
    {
        lock (_lock)
        {
            if (_state != SocketState.Open)
            {
                return SocketEngine.StateError(_state);
            }

            NtStatus status = _host!.Bind(local);
            if (status == NtStatus.Success)
            {
                _state = SocketState.Bound;
            }

            return status;
        }
    }

    /// <summary>The fixed remote: with <paramref name="filter"/> (SIO_WSK_SET_REMOTE_ADDRESS) only its datagrams are accepted;
    /// without (SIO_WSK_SET_SENDTO_ADDRESS) it is only where sends without a remote go. The socket must be bound.</summary>
    public NtStatus SetRemote(in SockAddr remote, bool filter)
    {
        lock (_lock)
        {
            if (_state != SocketState.Bound)
            {
                return _state == SocketState.Open ? NtStatus.InvalidDeviceState : SocketEngine.StateError(_state);
            }

            if (filter && _host!.Connect(remote) is var connected && connected != NtStatus.Success)
            {
                return connected;
            }

            _defaultRemote = remote;
            return NtStatus.Success;
        }
    }

    /// <summary>Sets an option on the host socket (SO_BROADCAST, IP_PKTINFO, buffer sizes).</summary>
    public NtStatus SetOption(HostSocketOption option, int value)
    {
        lock (_lock)
        {
            if (_host is null)
            {
                return SocketEngine.StateError(_state);
            }

            NtStatus status = _host.SetOption(option, value);
            if (status == NtStatus.Success && option == HostSocketOption.PacketInfo)
            {
                _packetInfo = value != 0;
            }

            return status;
        }
    }

    /// <summary>Reads an option of the host socket.</summary>
    public NtStatus GetOption(HostSocketOption option, out int value)
    {
        lock (_lock)
        {
            value = 0;
            return _host is null ? SocketEngine.StateError(_state) : _host.GetOption(option, out value);
        }
    }

    /// <summary>SO_REUSEADDR as the client set it.</summary>
    public bool ReuseAddress
    {
        get
        {
            lock (_lock)
            {
                return _sharing.Reuse;
            }
        }
    }

    /// <summary>SO_EXCLUSIVEADDRUSE: no other socket may share the address.</summary>
    public bool ExclusiveAddressUse
    {
        get
        {
            lock (_lock)
            {
                return _sharing.Exclusive;
            }
        }
    }

    /// <summary>Address sharing, as on a stream socket: <paramref name="reuse"/> and <paramref name="exclusive"/> exclude each
    /// other (STATUS_INVALID_PARAMETER to turn one on while the other is on); exclusive use changes only before the bind.</summary>
    public NtStatus SetAddressSharing(bool reuse, bool exclusive)
    {
        lock (_lock)
        {
            return _host is null ? SocketEngine.StateError(_state) : _sharing.Change(_host, _state, reuse, exclusive);
        }
    }

    /// <summary>WskGetLocalAddress: the socket must be bound.</summary>
    public NtStatus GetLocalAddress(out SockAddr address)
    {
        lock (_lock)
        {
            address = default;
            if (_state != SocketState.Bound)
            {
                return _state == SocketState.Open ? NtStatus.InvalidDeviceState : SocketEngine.StateError(_state);
            }

            return _host!.GetLocalAddress(out address);
        }
    }

    /// <summary>WskSendTo after validation: one datagram to <paramref name="remote"/>; completes when handed to the host, with
    /// its length.</summary>
    public NtStatus SendTo(Mdl? mdl, int offset, int length, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo, Irp irp)
    {
        NtStatus status;
        lock (_lock)
        {
            if (_state != SocketState.Bound)
            {
                return Refuse(irp);
            }

            DatagramRequest request = RentRequest();
            request.Remote = remote;
            request.PacketInfo = packetInfo;
            request.WithPacketInfo = withPacketInfo;
            Prepare(irp, mdl, offset, length, request);
            status = _sends.IsEmpty ? SendOne(irp) : NtStatus.Pending; // Datagrams of one socket leave in order.
            status = QueueOrDone(ref _sends, irp, status);
        }

        return EngineCore.Finish(irp, status, this, (nuint)irp.Stack.Progress);
    }

    /// <summary>WskSendMessages after validation: every datagram of the list to <paramref name="remote"/>, in order; completes
    /// when the last is handed to the host, with the bytes of them all.</summary>
    public NtStatus SendMessages(IDatagramBuffer first, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo, Irp irp)
    {
        NtStatus status;
        lock (_lock)
        {
            if (_state != SocketState.Bound)
            {
                return Refuse(irp);
            }

            DatagramRequest request = RentRequest();
            request.Remote = remote;
            request.PacketInfo = packetInfo;
            request.WithPacketInfo = withPacketInfo;
            request.IsList = true;
            request.NextDatagram = first;
            Prepare(irp, null, 0, 0, request);
            status = _sends.IsEmpty ? SendOne(irp) : NtStatus.Pending;
            status = QueueOrDone(ref _sends, irp, status);
        }

        return EngineCore.Finish(irp, status, this, (nuint)irp.Stack.Progress);
    }

    /// <summary>WskReceiveFrom after validation: the next datagram into the buffer; the boxes, when given, receive its sender,
    /// its control data (at most <paramref name="controlInfo"/>'s length) and its flags when the IRP completes.</summary>
    public NtStatus ReceiveFrom(Mdl? mdl, int offset, int length, StrongBox<SockAddr>? remote, StrongBox<uint>? controlLength,
        Memory<byte> controlInfo, StrongBox<uint>? controlFlags, Irp irp)
    {
        NtStatus status;
        lock (_lock)
        {
            if (_state != SocketState.Bound)
            {
                return Refuse(irp);
            }

            DatagramRequest request = RentRequest();
            request.RemoteBox = remote;
            request.ControlLengthBox = controlLength;
            request.ControlInfo = controlInfo;
            request.ControlFlagsBox = controlFlags;
            Prepare(irp, mdl, offset, length, request);
            status = _receives.IsEmpty ? ReceiveOne(irp) : NtStatus.Pending;
            status = QueueOrDone(ref _receives, irp, status);
        }

        return EngineCore.Finish(irp, status, this, (nuint)irp.Stack.Progress);
    }

    /// <summary>Turns the receive-from event on: datagrams already waiting are indicated at once (off is
    /// <see cref="DisableReceiveEvents"/>).</summary>
    public NtStatus EnableReceiveEvents()
    {
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                return SocketEngine.StateError(_state);
            }

            _receiveEvents = true;
            if (_state == SocketState.Bound)
            {
                RequestDelivery(); // The host may not report datagrams that waited before now.
            }

            return NtStatus.Success;
        }
    }

    /// <summary>
    /// Turns the receive-from event off (SO_WSK_EVENT_CALLBACK with WSK_EVENT_DISABLE): nothing is indicated from now on. If
    /// its callback is running (decided, not yet returned: the client disables from another thread), the client learns so:
    /// with <paramref name="irp"/>, Pending and the IRP completes with Success once the callback has returned; without,
    /// STATUS_EVENT_PENDING. Otherwise Success (or the state's error), the IRP (if any) left to the caller to complete.
    /// </summary>
    public NtStatus DisableReceiveEvents(Irp? irp)
    {
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                return SocketEngine.StateError(_state);
            }

            _receiveEvents = false;
            if (!_event.IsRunning)
            {
                return NtStatus.Success;
            }

            if (irp is null)
            {
                return NtStatus.EventPending;
            }

            irp.MarkPending();
            _event.Wait(irp); // Completed by the callback's return (EventInProgress).
            return NtStatus.Pending;
        }
    }

    /// <summary>WskRelease of one indication a client kept: its memory returns to the engine.</summary>
    public NtStatus Release(HeldDatagram datagram)
    {
        lock (_lock)
        {
            if (!datagram.HeldByClient || !ReferenceEquals(datagram.Owner, this))
            {
                return NtStatus.InvalidParameter; // Released already, or not this socket's.
            }

            datagram.HeldByClient = false;
            if (datagram.InCallback)
            {
                datagram.ReleasedEarly = true; // The event has not returned yet: its return gives the memory back.
            }
            else
            {
                ReturnHeld(datagram);
            }

            return NtStatus.Success;
        }
    }

    /// <summary>Closes the socket (the provider's own closes: a failed create): every pending IRP completes with
    /// STATUS_CANCELLED, then the host socket closes, once.</summary>
    public NtStatus Close() => Close(null, null);

    /// <summary>
    /// WskCloseSocket: the socket closes now (every pending IRP completes with STATUS_CANCELLED, the host socket closes, nothing
    /// is indicated from here on), and <paramref name="irp"/> completes once no receive-from callback of this socket is
    /// running, for in-progress callbacks return before a close completes: Success (completed) if none runs, Pending if one
    /// does (the client closed from another thread, or from inside the callback), completed with Success when it returns.
    /// <paramref name="closed"/> runs just before the IRP completes, on success only. STATUS_INVALID_HANDLE (completed) if it
    /// was closed already.
    /// </summary>
    public NtStatus Close(Irp? irp, Action? closed)
    {
        IrpQueue sends, receives;
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

            sends = _sends;
            receives = _receives;
            _sends = default;
            _receives = default;
            _state = SocketState.Closed;
            _host?.Dispose();
            _host = null;
            _refused = _refusedLast = null;
        }

        EngineCore.CompleteAll(sends, NtStatus.Cancelled);
        EngineCore.CompleteAll(receives, NtStatus.Cancelled);
        if (waits)
        {
            return NtStatus.Pending; // The callback's return completes it (EventInProgress).
        }

        closed?.Invoke();
        irp?.CompleteInline(NtStatus.Success);
        return NtStatus.Success;
    }

    /// <summary>Cancel routine: takes the IRP back if it still waits here and completes it with STATUS_CANCELLED.</summary>
    public void CancelIrp(Irp irp)
    {
        bool found;
        lock (_lock)
        {
            found = _receives.Remove(irp) || _sends.Remove(irp);
            if (found)
            {
                ReturnRequest(irp);
            }
        }

        if (found)
        {
            irp.CompleteInline(NtStatus.Cancelled, (nuint)irp.Stack.Progress);
        }
    }

    /// <inheritdoc/>
    public void OnReady(bool readable, bool writable, bool hangup) => EngineCore.OnReady(this, Watchdog, readable, writable, hangup);

    void IReadinessHandler.Ready(bool readable, bool writable, bool hangup)
    {
        bool deliver;
        lock (_lock)
        {
            if (_host is null)
            {
                return;
            }

            if (writable)
            {
                Pump(ref _sends, send: true);
            }

            if (readable)
            {
                // Taken by nobody (no receive waits, no event can go out now): a level-triggered host would report the
                // datagram on every pass. A receive the pump completes does not count: its routine usually issues the next.
                bool claimed = !_receives.IsEmpty || (_receiveEvents && EventSink is not null && _refused is null && !_delivery.Delivering);
                Pump(ref _receives, send: false);
                if (!claimed)
                {
                    _host.ReadableUnclaimed();
                }
            }

            deliver = readable && _receiveEvents;
        }

        if (deliver)
        {
            DeliverEvents();
        }
    }

    void IReadinessHandler.Failed(Exception exception)
    {
        // The socket's state is no longer known: it fails, and what waits on it completes now with STATUS_INTERNAL_ERROR.
        EngineLog.ReadinessHandlerFailed(Logger, exception);
        lock (_lock)
        {
            if (_state is SocketState.Closed or SocketState.Failed)
            {
                return;
            }

            _state = SocketState.Failed;
            _host?.Dispose();
            _host = null;
            while (_sends.Dequeue() is { } send)
            {
                ReturnRequest(send);
                send.CompleteLater(NtStatus.InternalError, (nuint)send.Stack.Progress);
            }

            while (_receives.Dequeue() is { } receive)
            {
                ReturnRequest(receive);
                receive.CompleteLater(NtStatus.InternalError);
            }
        }
    }

    /// <summary>A delivery pass on the thread pool (events turned on, or a refused datagram taken): nothing it throws may end
    /// the process. It is logged; the gate is open again (<see cref="EngineCore.DeliverEvents"/>) and the socket goes on.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            DeliverEvents();
        }
        catch (Exception ex)
        {
            EngineLog.DatagramDeliveryFailed(Logger, ex);
        }
    }

    private void Pump(ref IrpQueue queue, bool send)
    {
        while (queue.Head is { } irp)
        {
            NtStatus status = send ? SendOne(irp) : ReceiveOne(irp);
            if (status == NtStatus.Pending)
            {
                return;
            }

            queue.Dequeue();
            ReturnRequest(irp);
            irp.CompleteLater(status, (nuint)irp.Stack.Progress);
        }
    }

    /// <summary>Indicates waiting datagrams to the receive-from event, a list at a time, outside the lock; only one thread
    /// delivers at a time (another asking meanwhile makes it go round again).</summary>
    private void DeliverEvents() => EngineCore.DeliverEvents(this, _lock, ref _delivery);

    /// <summary>Asks for a delivery pass on the thread pool (under the lock: it only queues): datagrams may wait in the host
    /// that no new readiness report will announce (edge-triggered while nobody took them), e.g. once events are turned on or
    /// the refused ones have been taken.</summary>
    private void RequestDelivery()
    {
        if (_receiveEvents && _host is not null && EventSink is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <inheritdoc/>
    bool IEventDeliverer.DeliverNext()
    {
        HeldDatagram? first;
        lock (_lock)
        {
            _delivery.Deciding();
            first = _receiveEvents && _host is not null && _refused is null && _receives.IsEmpty && EventSink is not null ? ReceiveList() : null;
            if (first is null)
            {
                return false;
            }

            for (HeldDatagram? datagram = first; datagram is not null; datagram = datagram.Next)
            {
                datagram.HeldByClient = true; // The client's from the indication on (see HeldDatagram.HeldByClient).
                datagram.InCallback = true;
                datagram.ReleasedEarly = false;
            }

            // In progress from now on: a close or a disable meanwhile waits for its return. Receive-from is the datagram
            // socket's only event; early releases stay per entry (HeldDatagram.InCallback), as a client may split the list.
            _event.Begin(SocketEvents.Receive, first);
        }

        NtStatus answer;
        Exception? thrown = null;
        try
        {
            answer = EventSink!.OnReceiveFrom(first);
        }
        catch (Exception ex)
        {
            thrown = ex; // The sink's fault, not the client's (the WSK layer catches those): the list is taken back below.
            answer = NtStatus.Success;
        }

        IrpQueue waiters = default;
        try
        {
            TakeAnswer(first, answer, ref waiters);
        }
        finally
        {
            EngineCore.CompleteWaiters(waiters); // A close or disable that waited for this return, even if applying the answer threw.
        }

        if (thrown is not null)
        {
            EngineLog.DatagramDeliveryFailed(Logger, thrown);
        }

        return true;
    }

    /// <summary>Once the receive-from event has returned: it is over (<paramref name="waiters"/>: what waited for that, to
    /// complete outside the lock), and its answer applies to the list it was given.</summary>
    private void TakeAnswer(HeldDatagram first, NtStatus answer, ref IrpQueue waiters)
    {
        lock (_lock)
        {
            _event.End(out _, out waiters);

            // Entry by entry: a client may have released the list (or, having split it, part of it) before the event returned.
            HeldDatagram? datagram = first;
            while (datagram is not null)
            {
                HeldDatagram? next = datagram.Next;
                datagram.InCallback = false;
                if (answer == NtStatus.Pending && datagram.HeldByClient)
                {
                    // The client's until WskRelease; its link stays, as the list the client holds.
                }
                else if (answer == NtStatus.DataNotAccepted && datagram.HeldByClient && _state == SocketState.Bound)
                {
                    datagram.HeldByClient = false;
                    datagram.Next = null;
                    if (_refusedLast is { } last)
                    {
                        last.Next = datagram;
                    }
                    else
                    {
                        _refused = datagram;
                    }

                    _refusedLast = datagram; // Kept for WskReceiveFrom, in order; no more indications until all are taken.
                }
                else
                {
                    datagram.HeldByClient = false; // Consumed, or released already while the event ran.
                    ReturnHeld(datagram);
                }

                datagram = next;
            }

            if (_refused is not null && !_receives.IsEmpty)
            {
                Pump(ref _receives, send: false); // A WskReceiveFrom queued while the event ran: it takes the refused ones.
            }
        }
    }

    /// <summary>Reads what waits, up to <see cref="IndicationListLimit"/> datagrams, linked through Next; null if none. Under
    /// the lock.</summary>
    private HeldDatagram? ReceiveList()
    {
        HeldDatagram? first = null, last = null;
        for (int i = 0; i < IndicationListLimit && ReceiveHeld() is { } datagram; i++)
        {
            if (last is null)
            {
                first = datagram;
            }
            else
            {
                last.Next = datagram;
            }

            last = datagram;
        }

        return first;
    }

    /// <summary>Reads one datagram into memory of the engine's own; null if none waits (an ICMP error is dropped here: an
    /// event has no way to report it). Under the lock.</summary>
    private HeldDatagram? ReceiveHeld()
    {
        HeldDatagram datagram = RentHeld();
        while (true)
        {
            NtStatus status = _host!.ReceiveFrom(datagram.Buffer, out HostDatagram info);
            if (status == NtStatus.Success)
            {
                datagram.Length = info.Copied;
                datagram.Remote = info.Remote;
                datagram.ControlLength = info.HasPacketInfo
                    ? WsaControlMessage.WritePacketInfo(datagram.Control, info.PacketInfo.Address, info.PacketInfo.InterfaceIndex)
                    : 0;
                datagram.ControlTruncated = info.ControlTruncated;
                return datagram;
            }

            if (status == NtStatus.Pending || !IsTransient(status))
            {
                ReturnHeld(datagram);
                return null;
            }
        }
    }

    /// <summary>Sends what the IRP at the head of the queue carries: Success (all handed to the host), Pending, or an error.</summary>
    private NtStatus SendOne(Irp irp)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        var request = (DatagramRequest)stack.Context!;
        if (!request.IsList)
        {
            return SendDatagram(stack.Mdl, stack.Offset, stack.Length, request, ref stack.Progress);
        }

        while (request.NextDatagram is { } datagram)
        {
            NtStatus status = SendBatch(request, ref stack.Progress);
            if (status == NtStatus.Success && ReferenceEquals(request.NextDatagram, datagram))
            {
                // The first lies over several MDLs: gathered and sent alone.
                status = SendDatagram(datagram.DatagramMdl, datagram.DatagramOffset, datagram.DatagramLength, request, ref stack.Progress);
                if (status == NtStatus.Success)
                {
                    request.NextDatagram = datagram.NextDatagram;
                }
            }

            if (status != NtStatus.Success)
            {
                return status; // Pending: the rest goes when there is room. An error: the bytes sent before it stay reported.
            }
        }

        return NtStatus.Success;
    }

    /// <summary>Hands the host, in one SendMany, the datagrams of the list from the next one on that each lie in one MDL run
    /// (up to the host's limit; the batch ends before one over several MDLs) and moves the list past those it took.</summary>
    private NtStatus SendBatch(DatagramRequest request, ref int progress)
    {
        ReadOnlyMemory<byte>[] batch = _batch ??= new ReadOnlyMemory<byte>[IHostDatagramSocket.SendManyLimit];
        int count = 0;
        for (IDatagramBuffer? datagram = request.NextDatagram; datagram is not null && count < batch.Length; datagram = datagram.NextDatagram)
        {
            Memory<byte> run = new MdlCursor(datagram.DatagramMdl, datagram.DatagramOffset).Run(datagram.DatagramLength);
            if (run.Length < datagram.DatagramLength)
            {
                break;
            }

            batch[count++] = run;
        }

        if (count == 0)
        {
            return NtStatus.Success;
        }

        NtStatus status = _host!.SendMany(batch.AsSpan(0, count), request.Remote, request.PacketInfo, request.WithPacketInfo, out int sent);
        batch.AsSpan(0, count).Clear(); // Holds no client memory past the call.
        for (int i = 0; i < sent; i++)
        {
            progress += request.NextDatagram!.DatagramLength;
            request.NextDatagram = request.NextDatagram.NextDatagram;
        }

        return status;
    }

    private NtStatus SendDatagram(Mdl? mdl, int offset, int length, DatagramRequest request, ref int progress)
    {
        var cursor = new MdlCursor(mdl, offset);
        Memory<byte> run = cursor.Run(length);
        ReadOnlySpan<byte> data = run.Span;
        if (run.Length < length)
        {
            // A datagram over several MDLs leaves in one piece: gather it first.
            byte[] scratch = _scratch ??= new byte[HeldDatagram.Capacity];
            data = scratch.AsSpan(0, cursor.Gather(scratch.AsSpan(0, length)));
        }

        NtStatus status = _host!.SendTo(data, request.Remote, request.PacketInfo, request.WithPacketInfo);
        if (status == NtStatus.Success)
        {
            progress += length;
        }

        return status;
    }

    /// <summary>Takes one datagram for the receive IRP: Success (STATUS_BUFFER_OVERFLOW when it was longer than the buffer),
    /// Pending, or an error (an ICMP port unreachable for an earlier send: STATUS_PORT_UNREACHABLE).</summary>
    private NtStatus ReceiveOne(Irp irp)
    {
        ref IrpStackLocation stack = ref irp.Stack;
        var request = (DatagramRequest)stack.Context!;
        var cursor = new MdlCursor(stack.Mdl, stack.Offset);
        if (_refused is { } refused)
        {
            _refused = refused.Next;
            refused.Next = null;
            if (_refused is null)
            {
                _refusedLast = null;
                RequestDelivery(); // Indications resume; what waits in the host meanwhile gets no new readiness report.
            }

            int copied = cursor.Scatter(refused.Buffer.AsSpan(0, Math.Min(refused.Length, stack.Length)));
            stack.Progress = copied;
            NtStatus result = Report(request, refused.Remote, refused.Length, copied,
                refused.ControlLength > 0 ? refused.Control.AsSpan(0, refused.ControlLength) : default, refused.ControlTruncated);
            ReturnHeld(refused);
            return result;
        }

        Memory<byte> run = cursor.Run(stack.Length);
        bool scatter = run.Length < stack.Length;
        Span<byte> target = scatter ? (_scratch ??= new byte[HeldDatagram.Capacity]).AsSpan(0, stack.Length) : run.Span;
        NtStatus status = _host!.ReceiveFrom(target, out HostDatagram datagram);
        if (status == NtStatus.Pending)
        {
            return status;
        }

        if (status != NtStatus.Success)
        {
            if (request.RemoteBox is { } box && datagram.Remote.Family != 0)
            {
                box.Value = datagram.Remote; // Which destination was unreachable, as recvfrom's address says on Windows.
            }

            return status;
        }

        if (scatter)
        {
            cursor.Scatter(target[..datagram.Copied]);
        }

        stack.Progress = datagram.Copied;
        Span<byte> control = stackalloc byte[WsaControlMessage.MaxPacketInfoSpace];
        int controlLength = datagram.HasPacketInfo
            ? WsaControlMessage.WritePacketInfo(control, datagram.PacketInfo.Address, datagram.PacketInfo.InterfaceIndex)
            : 0;
        return Report(request, datagram.Remote, datagram.Length, datagram.Copied, control[..controlLength], datagram.ControlTruncated);
    }

    /// <summary>Fills the receive's boxes: the sender, the control data that fits (MSG_CTRUNC if some did not, here or already
    /// in the host: <paramref name="hostTruncated"/>), MSG_TRUNC if the datagram was longer than the buffer, which is then
    /// STATUS_BUFFER_OVERFLOW (Winsock's WSAEMSGSIZE).</summary>
    private static NtStatus Report(DatagramRequest request, in SockAddr remote, int length, int copied, ReadOnlySpan<byte> control,
        bool hostTruncated)
    {
        uint flags = hostTruncated && request.ControlLengthBox is not null ? Ws2Def.MSG_CTRUNC : 0;
        if (request.RemoteBox is { } remoteBox)
        {
            remoteBox.Value = remote;
        }

        if (request.ControlLengthBox is { } lengthBox)
        {
            Span<byte> room = request.ControlInfo.Span;
            if (control.Length <= room.Length)
            {
                control.CopyTo(room);
                lengthBox.Value = (uint)control.Length;
            }
            else
            {
                lengthBox.Value = 0;
                flags |= Ws2Def.MSG_CTRUNC;
            }
        }

        if (length > copied)
        {
            flags |= Ws2Def.MSG_TRUNC;
        }

        if (request.ControlFlagsBox is { } flagsBox)
        {
            flagsBox.Value = flags;
        }

        return length > copied ? NtStatus.BufferOverflow : NtStatus.Success;
    }

    private static bool IsTransient(NtStatus status) => status == NtStatus.PortUnreachable || status == NtStatus.HostUnreachable
        || status == NtStatus.NetworkUnreachable;

    private static void Prepare(Irp irp, Mdl? mdl, int offset, int length, DatagramRequest request)
    {
        irp.Stack.Mdl = mdl;
        irp.Stack.Offset = offset;
        irp.Stack.Length = length;
        irp.Stack.Progress = 0;
        irp.Stack.Context = request;
    }

    /// <summary>A request that must wait joins its queue with its cancel routine armed; one that is done gives its parameters back.</summary>
    private NtStatus QueueOrDone(ref IrpQueue queue, Irp irp, NtStatus status)
    {
        if (status == NtStatus.Pending)
        {
            queue.Enqueue(irp);
            irp.ArmCancel(this);
        }
        else
        {
            ReturnRequest(irp);
        }

        return status;
    }

    /// <summary>The socket cannot take the request in its state: refused, the IRP completed with the reason. Under the lock.</summary>
    private NtStatus Refuse(Irp irp)
    {
        NtStatus status = _state == SocketState.Open ? NtStatus.InvalidDeviceState : SocketEngine.StateError(_state);
        irp.CompleteInline(status);
        return status;
    }

    private DatagramRequest RentRequest()
    {
        DatagramRequest? request = _freeRequests;
        if (request is null)
        {
            return new DatagramRequest();
        }

        _freeRequests = request.NextFree;
        request.NextFree = null;
        return request;
    }

    private void ReturnRequest(Irp irp)
    {
        if (irp.Stack.Context is DatagramRequest request)
        {
            request.Clear();
            request.NextFree = _freeRequests;
            _freeRequests = request;
        }
    }

    private HeldDatagram RentHeld()
    {
        HeldDatagram? datagram = _freeHeld;
        if (datagram is null)
        {
            return new HeldDatagram(this);
        }

        _freeHeld = datagram.NextFree;
        datagram.NextFree = null;
        return datagram;
    }

    private void ReturnHeld(HeldDatagram datagram)
    {
        datagram.Length = 0;
        datagram.ControlLength = 0;
        datagram.ControlTruncated = false;
        datagram.Next = null;
        datagram.NextFree = _freeHeld;
        _freeHeld = datagram;
    }
}

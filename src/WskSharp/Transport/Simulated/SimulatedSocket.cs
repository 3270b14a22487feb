using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Simulated;

/// <summary>
/// One endpoint of the <see cref="SimulatedNetwork"/>, with the Linux socket's observable behaviour: a connect is in
/// progress until the SYN-ACK arrives (or fails with the RST's or the timeout's status), sends take what the peer's
/// receive buffer has room for and travel in order with a seeded delay, a FIN is read as 0 bytes, an RST is
/// STATUS_CONNECTION_RESET, data sent to a closed socket is answered with an RST, closing with unread data resets.
/// Readiness is edge-like: the socket is told when something changed, on the network's thread. Every call takes the
/// network's gate; nothing here calls the engine while holding it.
/// </summary>
internal sealed class SimulatedSocket : IHostSocket, ISimulatedEndpoint
{
    private const long SynRetransmitTicks = TimeSpan.TicksPerSecond;        // Linux's initial RTO.
    private const long ConnectTimeoutTicks = 127 * TimeSpan.TicksPerSecond; // tcp_syn_retries 6.

    private readonly SimulatedNetwork _net;
    private readonly long _id;
    private readonly SimulatedByteQueue _received = new();
    private IHostSocketEvents? _events;
    private Phase _phase;
    private bool _bound;
    private SockAddr _local;
    private SockAddr _remote;
    private SimulatedSocket? _peer;
    private NtStatus _error = NtStatus.Success; // The connection's fate once reset, broken or refused.
    private int _inFlight;                      // Sent to the peer, not yet in its receive buffer.
    private long _lastArrival;                  // Segments of one direction arrive in order.
    private bool _sendShut;
    private bool _finReceived;
    private bool _wantWrite;
    private int _stormLeft;
    private bool _synDataAcked;
    private byte _failReason;
    private byte[]? _resendAfterHandshake;
    private ResetPoint? _resetPoint;
    private Queue<SimulatedSocket>? _acceptQueue;
    private List<PendingSyn>? _waitingSyns;
    private int _backlog;
    private int _fastOpenQueue;
    private bool _readable, _writable, _hangup, _readinessPosted;
    private int[]? _options; // HostSocketOption values once one is set or read (null: Linux's defaults)

    internal SimulatedSocket(SimulatedNetwork network, ushort family, IHostSocketEvents? events, long id)
    {
        _net = network;
        _id = id;
        _events = events;
        _local = Wildcard(family, 0);
    }

    private enum Phase
    {
        Open,
        SynSent,
        Established,
        Listening,
        ConnectFailed,
        Closed,
    }

    /// <summary>The last failure's NTSTATUS value: the simulated host has no errno of its own.</summary>
    public int LastError { get; private set; }

    internal bool IsListening => _phase == Phase.Listening;

    public SockAddr Local => _local;

    private ushort Family => _local.Family;

    private SimulatedScheduler Scheduler => _net.Scheduler;

    public NtStatus Bind(in SockAddr local)
    {
        lock (_net.Gate)
        {
            if (_phase == Phase.Closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            if (_phase != Phase.Open || _bound || local.Family != Family)
            {
                return Error(NtStatus.InvalidParameter); // EINVAL: bound already; EAFNOSUPPORT.
            }

            NtStatus status = _net.Bind(this, local, out SockAddr bound);
            if (status != NtStatus.Success)
            {
                return Error(status);
            }

            _local = bound;
            _bound = true;
            return NtStatus.Success;
        }
    }

    public NtStatus Connect(in SockAddr remote)
    {
        lock (_net.Gate)
        {
            NtStatus status = CanConnect(remote);
            if (status == NtStatus.Success)
            {
                status = StartConnect(remote, null, cookieRequested: false);
            }

            return status;
        }
    }

    public NtStatus ConnectWithData(in SockAddr remote, ReadOnlySpan<byte> data, out int queued)
    {
        queued = 0;
        lock (_net.Gate)
        {
            NtStatus status = CanConnect(remote);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (!_net.Options.FastOpenClient)
            {
                return StartConnect(remote, null, cookieRequested: false);
            }

            if (!_net.HasCookie(remote))
            {
                _failReason = 1; // TFO_COOKIE_UNAVAILABLE: the SYN asks for a cookie and carries nothing.
                return StartConnect(remote, null, cookieRequested: true);
            }

            byte[] synData = data[..Math.Min(data.Length, _net.Options.SynDataLimit)].ToArray();
            status = StartConnect(remote, synData, cookieRequested: false);
            if (status == NtStatus.Pending)
            {
                queued = synData.Length;
                status = NtStatus.Success; // Taken; the handshake is still in flight.
            }

            return status;
        }
    }

    public NtStatus GetConnectResult()
    {
        lock (_net.Gate)
        {
            return _phase switch
            {
                Phase.SynSent => NtStatus.Pending,
                Phase.Closed => Error(NtStatus.InvalidHandle),
                _ => _error == NtStatus.Success ? NtStatus.Success : Error(_error),
            };
        }
    }

    public NtStatus Send(ReadOnlySpan<byte> data, out int sent)
    {
        sent = 0;
        lock (_net.Gate)
        {
            NtStatus status = CanTransfer(sending: true);
            if (status != NtStatus.Success || data.IsEmpty)
            {
                return status;
            }

            if (_net.Roll(SimulatedFault.OutOfMemory))
            {
                return Error(NtStatus.InsufficientResources);
            }

            if (Storm(writable: true))
            {
                return NtStatus.Pending;
            }

            int room = _net.Options.ReceiveBufferSize - _inFlight - (_peer is { _phase: not Phase.Closed } peer ? peer._received.Count : 0);
            if (room <= 0)
            {
                _wantWrite = true;
                return NtStatus.Pending;
            }

            int n = Math.Min(room, data.Length);
            if (n > 1 && _net.Roll(SimulatedFault.PartialSend))
            {
                n = _net.Next(1, n);
            }

            _inFlight += n;
            Transmit(data[..n].ToArray());
            sent = n;
            return NtStatus.Success;
        }
    }

    public NtStatus Receive(Span<byte> buffer, out int received)
    {
        received = 0;
        lock (_net.Gate)
        {
            NtStatus status = CanTransfer(sending: false);
            if (status != NtStatus.Success)
            {
                return status;
            }

            if (_received.Count == 0)
            {
                return _finReceived ? NtStatus.Success : NtStatus.Pending;
            }

            if (Storm(writable: false))
            {
                return NtStatus.Pending;
            }

            if (_net.Roll(SimulatedFault.ReceiveThrows))
            {
                throw new InvalidOperationException("Simulated fault: a receive threw.");
            }

            received = _received.Read(buffer);
            if (_peer is { _wantWrite: true } writer)
            {
                // Room at this end: the writer hears of it when the window update (an ACK) reaches it.
                writer._wantWrite = false;
                Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), () => writer.Notify(writable: true));
            }

            return NtStatus.Success;
        }
    }

    /// <summary>A closed socket frees its port at once here (no TIME_WAIT is modelled): nothing to allow.</summary>
    public NtStatus AllowTimeWaitPort()
    {
        lock (_net.Gate)
        {
            return _phase == Phase.Closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    public NtStatus SetNoDelay(bool on)
    {
        lock (_net.Gate)
        {
            return _phase == Phase.Closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    /// <summary>Options are kept and read back with Linux's ranges and defaults; the network models none of their effects
    /// except that a closed socket refuses them. It keeps IPv4 and IPv6 apart, so a dual-stack socket (IPV6_V6ONLY 0) is not
    /// something it can be: STATUS_NOT_SUPPORTED.</summary>
    public NtStatus SetOption(HostSocketOption option, int value)
    {
        lock (_net.Gate)
        {
            if (_phase == Phase.Closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            bool valid = option switch
            {
                HostSocketOption.KeepAliveIdle or HostSocketOption.KeepAliveInterval => value is >= 1 and <= 32_767,
                HostSocketOption.KeepAliveCount => value is >= 1 and <= 127,
                HostSocketOption.IpTimeToLive => value is >= 1 and <= 255,
                HostSocketOption.Ipv6UnicastHops => value is >= -1 and <= 255,
                HostSocketOption.Ipv6Only => Family == Ws2Def.AF_INET6 && _phase == Phase.Open && !_bound,
                _ => true,
            };
            if (!valid)
            {
                return Error(NtStatus.InvalidParameter); // EINVAL
            }

            if (option == HostSocketOption.Ipv6Only && value == 0)
            {
                return Error(NtStatus.NotSupported);
            }

            Options()[(int)option] = option switch
            {
                HostSocketOption.ReceiveBuffer or HostSocketOption.SendBuffer => Math.Max(value, 1152), // Linux's floor (SOCK_MIN_RCVBUF / 2).
                HostSocketOption.Ipv6UnicastHops when value == -1 => 64, // -1: the route's default.
                HostSocketOption.ReuseAddress or HostSocketOption.KeepAlive or HostSocketOption.NoDelay or HostSocketOption.Ipv6Only => value != 0 ? 1 : 0,
                _ => value,
            };
            return NtStatus.Success;
        }
    }

    public NtStatus GetOption(HostSocketOption option, out int value)
    {
        lock (_net.Gate)
        {
            value = Options()[(int)option];
            return _phase == Phase.Closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    /// <summary>The option values, starting from Linux's defaults. Call with the gate held.</summary>
    private int[] Options()
    {
        if (_options is null)
        {
            _options = new int[Enum.GetValues<HostSocketOption>().Length];
            _options[(int)HostSocketOption.KeepAliveIdle] = 7200;
            _options[(int)HostSocketOption.KeepAliveInterval] = 75;
            _options[(int)HostSocketOption.KeepAliveCount] = 9;
            _options[(int)HostSocketOption.ReceiveBuffer] = _net.Options.ReceiveBufferSize;
            _options[(int)HostSocketOption.SendBuffer] = _net.Options.ReceiveBufferSize;
            _options[(int)HostSocketOption.IpTimeToLive] = 64;
            _options[(int)HostSocketOption.Ipv6UnicastHops] = 64;
            _options[(int)HostSocketOption.Ipv6Only] = 1; // IPv4 and IPv6 are apart here, whatever is set.
        }

        return _options;
    }

    public NtStatus GetFastOpenInfo(out HostFastOpenInfo info)
    {
        lock (_net.Gate)
        {
            byte state = _phase switch
            {
                Phase.Established => 1, // TCP_ESTABLISHED
                Phase.SynSent => 2,     // TCP_SYN_SENT
                _ => 7,                 // TCP_CLOSE
            };
            info = new HostFastOpenInfo(_synDataAcked, _failReason, state);
            return _phase == Phase.Closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    public NtStatus GetLocalAddress(out SockAddr address)
    {
        lock (_net.Gate)
        {
            address = _local;
            return _phase == Phase.Closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    public NtStatus GetRemoteAddress(out SockAddr address)
    {
        lock (_net.Gate)
        {
            address = _remote;
            return _phase == Phase.Established && _error == NtStatus.Success ? NtStatus.Success
                : _phase == Phase.Closed ? Error(NtStatus.InvalidHandle)
                : Error(NtStatus.ConnectionDisconnected); // ENOTCONN
        }
    }

    public NtStatus Listen(int backlog)
    {
        lock (_net.Gate)
        {
            if (_phase == Phase.Closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            if (_phase is not (Phase.Open or Phase.Listening))
            {
                return Error(NtStatus.InvalidParameter);
            }

            if (!_bound)
            {
                NtStatus status = _net.Bind(this, Wildcard(Family, 0), out _local);
                if (status != NtStatus.Success)
                {
                    return Error(status);
                }

                _bound = true;
            }

            _phase = Phase.Listening;
            _backlog = Math.Max(backlog, 0);
            _acceptQueue ??= new Queue<SimulatedSocket>();
            _waitingSyns ??= [];
            return NtStatus.Success;
        }
    }

    public NtStatus SetFastOpenQueue(int length)
    {
        lock (_net.Gate)
        {
            _fastOpenQueue = length;
            return _phase == Phase.Closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    public NtStatus Accept(IHostSocketEvents events, out IHostSocket? accepted)
    {
        accepted = null;
        lock (_net.Gate)
        {
            if (_phase != Phase.Listening)
            {
                return Error(_phase == Phase.Closed ? NtStatus.InvalidHandle : NtStatus.InvalidParameter);
            }

            if (_acceptQueue!.Count == 0)
            {
                return NtStatus.Pending;
            }

            // The connection stays queued when the process has no descriptor or memory for it (as accept4 leaves it).
            if (_net.Roll(SimulatedFault.TooManyFiles))
            {
                return Error(NtStatus.TooManyOpenedFiles);
            }

            if (_net.Roll(SimulatedFault.OutOfMemory))
            {
                return Error(NtStatus.InsufficientResources);
            }

            SimulatedSocket socket = _acceptQueue.Dequeue();
            socket._events = events;
            bool ended = socket._finReceived || socket._error != NtStatus.Success;
            socket.Notify(readable: socket._received.Count > 0 || ended, writable: true, hangup: ended);
            AdmitWaiting();
            accepted = socket;
            return NtStatus.Success;
        }
    }

    public NtStatus ShutdownSend()
    {
        lock (_net.Gate)
        {
            NtStatus status = CanTransfer(sending: true, rolls: false);
            if (status != NtStatus.Success)
            {
                return status;
            }

            _sendShut = true;
            SimulatedSocket self = this;
            PostInOrder(() => self.ArriveFin());
            return NtStatus.Success;
        }
    }

    public NtStatus GetSendBufferSize(out int size)
    {
        size = _net.Options.ReceiveBufferSize;
        return NtStatus.Success;
    }

    public void Abort()
    {
        lock (_net.Gate)
        {
            if (_phase == Phase.Established && _error == NtStatus.Success)
            {
                SendReset();
            }

            Release(graceful: false);
        }
    }

    public void Dispose()
    {
        lock (_net.Gate)
        {
            if (_phase == Phase.Established && _error == NtStatus.Success && _received.Count > 0)
            {
                SendReset(); // Closing with unread data resets the connection (RFC 2525, as Linux does).
                Release(graceful: false);
            }
            else
            {
                Release(graceful: true);
            }
        }
    }

    /// <summary>Takes the readiness gathered since the last delivery; false if there is nothing to deliver. Under the gate.</summary>
    public bool TakeReadiness(out IHostSocketEvents? events, out bool readable, out bool writable, out bool hangup)
    {
        _readinessPosted = false;
        events = _events;
        (readable, writable, hangup) = (_readable, _writable, _hangup);
        (_readable, _writable, _hangup) = (false, false, false);
        return events is not null && _phase != Phase.Closed && (readable || writable || hangup);
    }

    private NtStatus CanConnect(in SockAddr remote)
    {
        NtStatus status = _phase switch
        {
            Phase.Closed => NtStatus.InvalidHandle,
            Phase.Established => NtStatus.ConnectionActive, // EISCONN
            Phase.SynSent => NtStatus.Pending,              // EALREADY
            Phase.Open when remote.Family == Family => NtStatus.Success,
            _ => NtStatus.InvalidParameter,
        };
        return status == NtStatus.Success || status == NtStatus.Pending ? status : Error(status);
    }

    private NtStatus StartConnect(in SockAddr remote, byte[]? synData, bool cookieRequested)
    {
        if (!_bound)
        {
            NtStatus status = _net.Bind(this, Wildcard(Family, 0), out _local);
            if (status != NtStatus.Success)
            {
                return Error(status);
            }

            _bound = true;
        }

        if (_local.IsWildcard && _net.IsHostAddress(remote))
        {
            // One host: a connection to one of its addresses leaves from that address.
            _local = remote.Family == Ws2Def.AF_INET6
                ? SockAddr.Inet6(remote.GetAddressBytes(), _local.Port)
                : SockAddr.Inet(remote.GetAddressBytes(), _local.Port);
        }

        _remote = remote;
        _phase = Phase.SynSent;
        _inFlight = synData?.Length ?? 0;
        long now = Scheduler.Now;
        if (_net.Roll(SimulatedFault.Refuse))
        {
            Scheduler.PostAt(now + (2 * _net.OneWayDelay()), () => ConnectFailed(NtStatus.ConnectionRefused));
        }
        else if (_net.Roll(SimulatedFault.SynTimeout))
        {
            Scheduler.PostAt(now + ConnectTimeoutTicks, () => ConnectFailed(NtStatus.IoTimeout));
        }
        else if (synData is not null && _net.DropsSynData(remote))
        {
            // The SYN with data vanishes; the retransmitted SYN carries none, the data follows the handshake.
            _failReason = 3; // TFO_SYN_RETRANSMITTED
            _resendAfterHandshake = synData;
            Scheduler.PostAt(now + SynRetransmitTicks + _net.OneWayDelay(), () => ArriveSyn(null, cookieRequested));
        }
        else
        {
            Scheduler.PostAt(now + _net.OneWayDelay(), () => ArriveSyn(synData, cookieRequested));
        }

        return NtStatus.Pending;
    }

    /// <summary>This client's SYN reaches the server side.</summary>
    private void ArriveSyn(byte[]? synData, bool cookieRequested)
    {
        if (_phase != Phase.SynSent)
        {
            return; // Closed meanwhile: the SYN finds no one to answer.
        }

        SimulatedSocket? listener = _net.FindListener(_remote);
        if (listener is null && !_net.IsHostAddress(_remote))
        {
            Scheduler.PostAt(Scheduler.Now + ConnectTimeoutTicks, () => ConnectFailed(NtStatus.IoTimeout)); // No host answers.
        }
        else if (listener is null)
        {
            Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), () => ConnectFailed(NtStatus.ConnectionRefused));
        }
        else if (listener._acceptQueue!.Count > listener._backlog)
        {
            listener._waitingSyns!.Add(new PendingSyn(this, synData, cookieRequested)); // Dropped; the client's retry waits for room.
        }
        else
        {
            listener.Admit(new PendingSyn(this, synData, cookieRequested));
        }
    }

    /// <summary>A listener takes a SYN: a server socket joins the accept queue and the SYN-ACK goes back.</summary>
    private void Admit(PendingSyn syn)
    {
        SimulatedSocket client = syn.Client;
        SimulatedSocket server = _net.NewSocket(Family, null);
        Trace($"syn #{client._id} taken as #{server._id}{(syn.Data is null ? "" : $" with {syn.Data.Length} B")}");
        server._phase = Phase.Established;
        server._options = (int[]?)_options?.Clone(); // An accepted socket inherits the listener's options, as on Linux.
        server._local = client._remote;
        server._remote = client._local;
        server._peer = client;
        client._peer = server;
        bool fastOpen = _fastOpenQueue > 0;
        if (syn.Data is { } data)
        {
            if (fastOpen)
            {
                server._received.Append(data);
                _net.Delivered(data.Length);
                client._inFlight -= data.Length;
                client._synDataAcked = true;
            }
            else
            {
                client._failReason = 2; // TFO_DATA_NOT_ACKED: the data is sent again after the handshake.
                client._resendAfterHandshake = data;
            }
        }

        bool resetAfterHandshake = _net.Roll(SimulatedFault.ResetAfterHandshake);
        if (resetAfterHandshake)
        {
            server.Release(graceful: false); // The server end dies before anyone accepts it.
        }
        else
        {
            if (_net.Roll(SimulatedFault.ResetInTransfer, count: false))
            {
                var point = new ResetPoint(_net.Next(0, _net.Options.ResetWindow));
                server._resetPoint = point;
                client._resetPoint = point;
            }

            _acceptQueue!.Enqueue(server);
            Notify(readable: true);
        }

        bool grantCookie = fastOpen && syn.CookieRequested;
        Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), () => client.ArriveSynAck(grantCookie, resetAfterHandshake));
    }

    /// <summary>The SYN-ACK reaches this client: connected (and, with the fault, reset right after).</summary>
    private void ArriveSynAck(bool grantCookie, bool thenReset)
    {
        if (_phase != Phase.SynSent)
        {
            _peer?.ArriveReset(); // Nobody here any more: the answer to the SYN-ACK is an RST.
            return;
        }

        _phase = Phase.Established;
        Trace($"established #{_id}");
        if (grantCookie)
        {
            _net.GrantCookie(_remote);
        }

        Notify(writable: true);
        if (_resendAfterHandshake is { } data)
        {
            _resendAfterHandshake = null;
            Transmit(data); // Still counted in flight since the SYN.
        }

        if (thenReset)
        {
            Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), ArriveReset);
        }
    }

    private void ConnectFailed(NtStatus status)
    {
        if (_phase != Phase.SynSent)
        {
            return;
        }

        _phase = Phase.ConnectFailed;
        _error = status;
        Trace($"connect #{_id} failed {status}");
        _inFlight = 0;
        Notify(readable: true, writable: true, hangup: true);
    }

    /// <summary>Takes in the next waiting SYN once the accept queue has room.</summary>
    private void AdmitWaiting()
    {
        while (_waitingSyns!.Count > 0 && _acceptQueue!.Count <= _backlog)
        {
            PendingSyn syn = _waitingSyns[0];
            _waitingSyns.RemoveAt(0);
            if (syn.Client._phase == Phase.SynSent)
            {
                Admit(syn);
            }
        }
    }

    private void Transmit(byte[] segment)
    {
        SimulatedSocket self = this;
        PostInOrder(() => self.ArriveData(segment));
    }

    /// <summary>Posts what travels this socket's direction of the connection after everything sent before it.</summary>
    private void PostInOrder(Action arrival)
    {
        long at = Math.Max(Scheduler.Now + _net.OneWayDelay(), _lastArrival);
        _lastArrival = at;
        Scheduler.PostAt(at, arrival);
    }

    /// <summary>A data segment this socket sent reaches its peer.</summary>
    private void ArriveData(byte[] segment)
    {
        _inFlight = Math.Max(0, _inFlight - segment.Length);
        SimulatedSocket? peer = _peer;
        if (peer is null || peer._phase == Phase.Closed)
        {
            // Data for a socket that is gone: an RST answers it.
            Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), ArriveReset);
            return;
        }

        if (peer._error != NtStatus.Success || _error != NtStatus.Success)
        {
            return; // The connection was reset meanwhile: the segment is dropped.
        }

        peer._received.Append(segment);
        _net.Delivered(segment.Length);
        Trace($"#{_id} → #{peer._id} {segment.Length} B");
        peer.Notify(readable: true);
        if (_resetPoint is { } point && (point.Remaining -= segment.Length) <= 0 && !point.Fired)
        {
            point.Fired = true;
            _net.NoteFired(SimulatedFault.ResetInTransfer);
            ArriveReset();
            peer.ArriveReset();
        }
    }

    private void ArriveFin()
    {
        if (_peer is { } peer && peer._phase != Phase.Closed && peer._error == NtStatus.Success)
        {
            peer._finReceived = true;
            Trace($"#{_id} → #{peer._id} FIN");
            peer.Notify(readable: true, hangup: true);
        }
    }

    /// <summary>Sends an RST to the peer, after what is already in flight.</summary>
    private void SendReset()
    {
        if (_peer is { } peer)
        {
            PostInOrder(peer.ArriveReset);
        }
    }

    /// <summary>An RST reaches this socket.</summary>
    private void ArriveReset()
    {
        switch (_phase)
        {
            case Phase.SynSent:
                ConnectFailed(NtStatus.ConnectionRefused);
                break;
            case Phase.Established when _error == NtStatus.Success:
                Trace($"reset #{_id}");
                _error = NtStatus.ConnectionReset;
                _received.Clear();
                _inFlight = 0;
                Notify(readable: true, writable: true, hangup: true);
                break;
        }
    }

    /// <summary>The checks of a send or receive, with the faults that strike a working connection.</summary>
    private NtStatus CanTransfer(bool sending, bool rolls = true)
    {
        if (_phase == Phase.Closed)
        {
            return Error(NtStatus.InvalidHandle);
        }

        if (_error != NtStatus.Success)
        {
            return Error(_error);
        }

        if (_phase != Phase.Established || (sending && _sendShut))
        {
            return Error(NtStatus.ConnectionDisconnected); // ENOTCONN, or EPIPE after shutdown.
        }

        if (rolls && _net.Roll(SimulatedFault.SocketBreaks))
        {
            _error = NtStatus.ConnectionAborted;
            SendReset();
            Notify(readable: true, writable: true, hangup: true);
            return Error(_error);
        }

        return NtStatus.Success;
    }

    /// <summary>An EAGAIN storm: "not now" though it could go on, then readiness again so the caller retries.</summary>
    private bool Storm(bool writable)
    {
        if (_stormLeft == 0)
        {
            if (!_net.Roll(SimulatedFault.EagainStorm))
            {
                return false;
            }

            _stormLeft = _net.Next(1, _net.Options.StormLength + 1);
        }

        _stormLeft--;
        SimulatedSocket self = this;
        Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), () => self.Notify(readable: !writable, writable: writable));
        return true;
    }

    private void Notify(bool readable = false, bool writable = false, bool hangup = false)
    {
        _readable |= readable;
        _writable |= writable;
        _hangup |= hangup;
        if (!_readinessPosted && _events is not null && _phase != Phase.Closed)
        {
            _readinessPosted = true;
            Scheduler.PostReadiness(this);
        }
    }

    /// <summary>Closes this end: a listener resets what it never accepted and refuses waiting SYNs; a connection sends
    /// its FIN (<paramref name="graceful"/>) after what is in flight. The port is freed at once.</summary>
    private void Release(bool graceful)
    {
        if (_phase == Phase.Closed)
        {
            return;
        }

        if (_phase == Phase.Listening)
        {
            while (_acceptQueue!.TryDequeue(out SimulatedSocket? orphan))
            {
                orphan.SendReset();
                orphan.Release(graceful: false);
            }

            foreach (PendingSyn waiting in _waitingSyns!)
            {
                SimulatedSocket client = waiting.Client;
                Scheduler.PostAt(Scheduler.Now + _net.OneWayDelay(), () => client.ConnectFailed(NtStatus.ConnectionRefused));
            }

            _waitingSyns.Clear();
        }
        else if (graceful && _phase == Phase.Established && _error == NtStatus.Success && !_sendShut)
        {
            _sendShut = true;
            SimulatedSocket self = this;
            PostInOrder(() => self.ArriveFin());
        }

        if (_bound)
        {
            _net.Unbind(this, _local);
            _bound = false;
        }

        _phase = Phase.Closed;
        _events = null;
        _received.Clear();
        _acceptQueue?.Clear();
        _net.SocketClosed();
    }

    private void Trace(string what)
    {
        if (_net.Tracing)
        {
            _net.Log(what);
        }
    }

    private NtStatus Error(NtStatus status)
    {
        LastError = unchecked((int)status.Value);
        return status;
    }

    private static SockAddr Wildcard(ushort family, ushort port) => family == Ws2Def.AF_INET6
        ? SockAddr.Inet6(new byte[16], port)
        : SockAddr.Inet(new byte[4], port);

    /// <summary>A SYN a listener has not taken yet.</summary>
    private readonly record struct PendingSyn(SimulatedSocket Client, byte[]? Data, bool CookieRequested);

    /// <summary>Where ResetInTransfer cuts a connection: shared by its two ends, counted over both directions.</summary>
    private sealed class ResetPoint(int bytes)
    {
        public int Remaining { get; set; } = bytes;

        public bool Fired { get; set; }
    }
}

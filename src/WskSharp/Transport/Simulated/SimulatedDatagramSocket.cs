using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Simulated;

/// <summary>
/// A UDP endpoint of the <see cref="SimulatedNetwork"/>, with the Linux socket's observable behaviour: a datagram goes whole
/// or not at all, travels with a seeded delay (in order per sender unless <see cref="SimulatedFault.DatagramReorder"/>
/// holds one back), may be lost, duplicated or cut short by the plan's faults, queues at the receiver up to its receive
/// buffer (beyond it, dropped), and a datagram to a port where nothing listens comes back as an ICMP port unreachable
/// reported to the sender's next receive. A fixed remote (<see cref="Connect"/>) drops datagrams from anyone else.
/// </summary>
internal sealed class SimulatedDatagramSocket : IHostDatagramSocket, ISimulatedEndpoint
{
    private readonly SimulatedNetwork _net;
    private readonly IHostSocketEvents _events;
    private readonly Queue<Arrival> _queue = new();
    private int _queuedBytes;
    private bool _bound;
    private bool _closed;
    private SockAddr _local;
    private SockAddr? _connected;
    private long _lastArrival;
    private bool _broadcast;
    private bool _packetInfo;
    private bool _reuseAddress;
    private int _hops = 64; // Linux's default TTL / hop limit; kept and read back, its effect not modelled.
    private int _receiveBuffer;
    private int _sendBuffer = 212_992;
    private NtStatus _pendingError = NtStatus.Success;
    private SockAddr _pendingErrorRemote;
    private bool _readable, _writable, _readinessPosted;

    internal SimulatedDatagramSocket(SimulatedNetwork network, ushort family, IHostSocketEvents events)
    {
        _net = network;
        _events = events;
        _local = family == Ws2Def.AF_INET6 ? SockAddr.Inet6(new byte[16], 0) : SockAddr.Inet(new byte[4], 0);
        _receiveBuffer = network.Options.ReceiveBufferSize;
    }

    /// <summary>The last failure's NTSTATUS value: the simulated host has no errno of its own.</summary>
    public int LastError { get; private set; }

    public SockAddr Local => _local;

    private SimulatedScheduler Scheduler => _net.Scheduler;

    public NtStatus Bind(in SockAddr local)
    {
        lock (_net.Gate)
        {
            if (_closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            if (_bound || local.Family != _local.Family)
            {
                return Error(NtStatus.InvalidParameter); // EINVAL: bound already, or another family.
            }

            NtStatus status = _net.BindDatagram(this, local, out SockAddr bound);
            if (status != NtStatus.Success)
            {
                return Error(status);
            }

            _local = bound;
            _bound = true;
            Notify(writable: true); // A new registration reports the socket's state: writable.
            return NtStatus.Success;
        }
    }

    public NtStatus Connect(in SockAddr remote)
    {
        lock (_net.Gate)
        {
            if (_closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            _connected = remote;
            return NtStatus.Success;
        }
    }

    public NtStatus SendTo(ReadOnlySpan<byte> data, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo)
    {
        lock (_net.Gate)
        {
            if (_closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            if (remote.Family != _local.Family)
            {
                return Error(NtStatus.InvalidParameter); // EAFNOSUPPORT / EINVAL
            }

            if (data.Length > MaxPayload(remote.Family) || data.Length > _sendBuffer)
            {
                return Error(NtStatus.InvalidParameter); // EMSGSIZE
            }

            if (IsBroadcast(remote) && !_broadcast)
            {
                return Error(NtStatus.AccessDenied); // EACCES: a broadcast needs SO_BROADCAST.
            }

            if (withPacketInfo && !packetInfo.Address.IsWildcard && !_net.IsHostAddress(packetInfo.Address))
            {
                return Error(NtStatus.InvalidAddress); // EADDRNOTAVAIL: a source this host does not have.
            }

            if (!_net.IsHostAddress(remote) || IsBroadcast(remote))
            {
                return NtStatus.Success; // Handed to the host; no one here receives it (a datagram has no answer to wait for).
            }

            SockAddr source = withPacketInfo && !packetInfo.Address.IsWildcard
                ? WithPort(packetInfo.Address, _local.Port)
                : _local.IsWildcard ? WithPort(remote, _local.Port) : _local;
            byte[] copy = data.ToArray();
            Send(copy, source, remote);
            return NtStatus.Success;
        }
    }

    /// <summary>One datagram after the other, as sendmmsg does: an error after the first stops the list and is the next call's.</summary>
    public NtStatus SendMany(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo,
        out int sent)
    {
        int count = Math.Min(datagrams.Length, IHostDatagramSocket.SendManyLimit);
        for (sent = 0; sent < count; sent++)
        {
            NtStatus status = SendTo(datagrams[sent].Span, remote, packetInfo, withPacketInfo);
            if (status != NtStatus.Success)
            {
                return sent == 0 ? status : NtStatus.Success;
            }
        }

        return NtStatus.Success;
    }

    private void Send(byte[] payload, SockAddr source, SockAddr destination)
    {
        if (_net.Roll(SimulatedFault.DatagramLoss))
        {
            _net.Log($"datagram {source} → {destination} lost");
            return;
        }

        int copies = _net.Roll(SimulatedFault.DatagramDuplicate) ? 2 : 1;
        if (_net.Roll(SimulatedFault.DatagramTruncate) && payload.Length > 0)
        {
            payload = payload[.._net.Next(0, payload.Length)];
        }

        bool reorder = _net.Roll(SimulatedFault.DatagramReorder);
        for (int i = 0; i < copies; i++)
        {
            long at = Scheduler.Now + _net.OneWayDelay();
            if (reorder)
            {
                at += 2 * Math.Max(_net.Options.MaxDelay.Ticks, 1); // Held back: what is sent next arrives first.
            }
            else
            {
                at = Math.Max(at, _lastArrival);
                _lastArrival = at;
            }

            SimulatedDatagramSocket self = this;
            byte[] datagram = payload;
            Scheduler.PostAt(at, () => self._net.DeliverDatagram(self, datagram, source, destination));
        }
    }

    /// <summary>A datagram reached this socket. Under the gate.</summary>
    internal void Arrive(byte[] payload, SockAddr source, SockAddr destination)
    {
        if (_closed || (_connected is { } fixedRemote && fixedRemote != source))
        {
            return;
        }

        if (_queuedBytes + payload.Length > _receiveBuffer)
        {
            _net.Log($"datagram {source} → {destination} dropped: receive buffer full");
            return;
        }

        _queue.Enqueue(new Arrival(payload, source, destination));
        _queuedBytes += payload.Length;
        _net.Delivered(payload.Length);
        Notify(readable: true);
    }

    /// <summary>An ICMP port unreachable came back for a datagram this socket sent to <paramref name="destination"/>. Under the gate.</summary>
    internal void Unreachable(SockAddr destination)
    {
        if (_closed)
        {
            return;
        }

        _pendingError = NtStatus.PortUnreachable;
        _pendingErrorRemote = destination;
        Notify(readable: true);
    }

    public NtStatus ReceiveFrom(Span<byte> buffer, out HostDatagram datagram)
    {
        datagram = default;
        lock (_net.Gate)
        {
            if (_closed)
            {
                return Error(NtStatus.InvalidHandle);
            }

            if (_pendingError != NtStatus.Success)
            {
                NtStatus error = _pendingError;
                _pendingError = NtStatus.Success;
                datagram = new HostDatagram(0, 0, _pendingErrorRemote, false, default);
                return Error(error);
            }

            if (!_queue.TryDequeue(out Arrival arrival))
            {
                return NtStatus.Pending;
            }

            _queuedBytes -= arrival.Payload.Length;
            int copied = Math.Min(arrival.Payload.Length, buffer.Length);
            arrival.Payload.AsSpan(0, copied).CopyTo(buffer);
            datagram = new HostDatagram(arrival.Payload.Length, copied, arrival.Source, _packetInfo,
                _packetInfo ? new HostPacketInfo(WithPort(arrival.Destination, 0), 1) : default); // Loopback: interface 1, as Linux's lo.
            return NtStatus.Success;
        }
    }

    public NtStatus SetOption(HostSocketOption option, int value)
    {
        lock (_net.Gate)
        {
            switch (option)
            {
                case HostSocketOption.Broadcast:
                    _broadcast = value != 0;
                    return NtStatus.Success;
                case HostSocketOption.PacketInfo:
                    _packetInfo = value != 0;
                    return NtStatus.Success;
                case HostSocketOption.ReceiveBuffer:
                    _receiveBuffer = Math.Max(value, 256) * 2; // Linux doubles what it is given.
                    return NtStatus.Success;
                case HostSocketOption.SendBuffer:
                    _sendBuffer = Math.Max(value, 256) * 2;
                    return NtStatus.Success;
                case HostSocketOption.ReuseAddress:
                    _reuseAddress = value != 0; // Kept and read back; the network still gives one socket per port.
                    return NtStatus.Success;
                case HostSocketOption.IpTimeToLive when _local.Family == Ws2Def.AF_INET && value is >= 1 and <= 255:
                case HostSocketOption.Ipv6UnicastHops when _local.Family == Ws2Def.AF_INET6 && value is >= 0 and <= 255:
                    _hops = value;
                    return NtStatus.Success;
                case HostSocketOption.Ipv6Only when _local.Family == Ws2Def.AF_INET6:
                    return value != 0 ? NtStatus.Success : NtStatus.NotSupported; // IPv4 and IPv6 are apart here, as for stream sockets.
                default:
                    return NtStatus.NotSupported;
            }
        }
    }

    public NtStatus GetOption(HostSocketOption option, out int value)
    {
        lock (_net.Gate)
        {
            value = option switch
            {
                HostSocketOption.Broadcast => _broadcast ? 1 : 0,
                HostSocketOption.PacketInfo => _packetInfo ? 1 : 0,
                HostSocketOption.ReceiveBuffer => _receiveBuffer / 2, // Read back as set, as the Linux transport reports it.
                HostSocketOption.SendBuffer => _sendBuffer / 2,
                HostSocketOption.Ipv6Only when _local.Family == Ws2Def.AF_INET6 => 1,
                HostSocketOption.ReuseAddress => _reuseAddress ? 1 : 0,
                HostSocketOption.IpTimeToLive when _local.Family == Ws2Def.AF_INET => _hops,
                HostSocketOption.Ipv6UnicastHops when _local.Family == Ws2Def.AF_INET6 => _hops,
                _ => -1,
            };
            if (value < 0)
            {
                value = 0;
                return NtStatus.NotSupported; // Not a datagram socket's option (as SetOption refuses it).
            }

            return NtStatus.Success;
        }
    }

    public NtStatus GetLocalAddress(out SockAddr address)
    {
        lock (_net.Gate)
        {
            address = _local;
            return _closed ? Error(NtStatus.InvalidHandle) : NtStatus.Success;
        }
    }

    public void Dispose()
    {
        lock (_net.Gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _queue.Clear();
            if (_bound)
            {
                _net.UnbindDatagram(this, _local);
            }

            _net.SocketClosed();
        }
    }

    public bool TakeReadiness(out IHostSocketEvents? events, out bool readable, out bool writable, out bool hangup)
    {
        _readinessPosted = false;
        events = _events;
        (readable, writable, hangup) = (_readable, _writable, false);
        (_readable, _writable) = (false, false);
        return !_closed && (readable || writable);
    }

    private void Notify(bool readable = false, bool writable = false)
    {
        _readable |= readable;
        _writable |= writable;
        if (!_readinessPosted && !_closed && _bound)
        {
            _readinessPosted = true;
            Scheduler.PostReadiness(this);
        }
    }

    private NtStatus Error(NtStatus status)
    {
        LastError = (int)status.Value;
        return status;
    }

    private static int MaxPayload(ushort family) => family == Ws2Def.AF_INET6 ? 65_527 : 65_507;

    private static bool IsBroadcast(in SockAddr address)
        => address.Family == Ws2Def.AF_INET && address.GetAddressBytes() is [255, 255, 255, 255];

    private static SockAddr WithPort(in SockAddr address, ushort port) => address.Family == Ws2Def.AF_INET6
        ? SockAddr.Inet6(address.GetAddressBytes(), port)
        : SockAddr.Inet(address.GetAddressBytes(), port);

    private readonly record struct Arrival(byte[] Payload, SockAddr Source, SockAddr Destination);
}

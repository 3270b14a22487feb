using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Linux;

/// <summary>
/// One non-blocking Linux UDP socket: <c>sendmsg</c>/<c>recvmsg</c>, one syscall per datagram, errno mapped once. A receive
/// passes MSG_TRUNC so the kernel reports the datagram's real length, and reads IP_PKTINFO / IPV6_PKTINFO when asked for.
/// ICMP errors: IP_RECVERR / IPV6_RECVERR are on from creation, so a port unreachable for a datagram sent from an
/// unconnected socket reaches the next receive (as Windows reports it, STATUS_PORT_UNREACHABLE), not only on a connected
/// one; its queued report is drained there, and names the unreachable destination. The kernel may hand that same pending
/// error to the next send instead: the send is then retried once and the error kept for the next receive.
/// </summary>
internal sealed unsafe class LinuxHostDatagramSocket : IHostDatagramSocket
{
    private const int ControlSpace = 64; // room for one in6_pktinfo (20 bytes) with its header, or an error report's head
    private readonly SafeFileDescriptor _fd;
    private readonly IHostSocketEvents _events;
    private readonly EpollLoop _loop;
    private readonly ushort _family;
    private long _token = -1;
    private int _pendingIcmpError; // an ICMP error a send took from the kernel: the next receive reports it
    private bool _packetInfo;

    public LinuxHostDatagramSocket(SafeFileDescriptor fd, ushort family, IHostSocketEvents events, EpollLoop loop)
    {
        _fd = fd;
        _family = family;
        _events = events;
        _loop = loop;
    }

    /// <summary>The stack's logger, reached through the socket's event loop.</summary>
    private ILogger? Logger => _loop.Logger;

    public int LastError { get; private set; }

    /// <summary>Turns on ICMP error reports (IP_RECVERR / IPV6_RECVERR): done once, by the stack, at creation.</summary>
    public NtStatus EnableErrorReports()
    {
        int on = 1;
        return _family == Ws2Def.AF_INET6
            ? Result(Interop.setsockopt(_fd.Fd, Interop.IPPROTO_IPV6, Interop.IPV6_RECVERR, &on, sizeof(int)))
            : Result(Interop.setsockopt(_fd.Fd, Interop.IPPROTO_IP, Interop.IP_RECVERR, &on, sizeof(int)));
    }

    public NtStatus Bind(in SockAddr local)
    {
        int errno = _loop.TryStart();
        if (errno != 0)
        {
            LastError = errno;
            return ErrnoMapping.ToNtStatus(errno, Logger);
        }

        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.Write(local, new Span<byte>(addr, NativeSockAddr.MaxSize));
        NtStatus status = Result(Interop.bind(_fd.Fd, addr, len));
        if (status != NtStatus.Success || _token >= 0)
        {
            return status;
        }

        // Joins the loop once bound: before that nothing can arrive, and an edge-triggered registration now reports what does.
        _token = _loop.Register(_fd.Fd, _events, out errno);
        if (_token < 0)
        {
            LastError = errno;
            return ErrnoMapping.ToNtStatus(errno, Logger);
        }

        return NtStatus.Success;
    }

    public NtStatus Connect(in SockAddr remote)
    {
        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.Write(remote, new Span<byte>(addr, NativeSockAddr.MaxSize));
        return Result(Interop.connect(_fd.Fd, addr, len));
    }

    public NtStatus SendTo(ReadOnlySpan<byte> data, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo)
    {
        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        byte* control = stackalloc byte[ControlSpace];
        int addrLen = NativeSockAddr.Write(remote, new Span<byte>(addr, NativeSockAddr.MaxSize));
        int controlLen = withPacketInfo ? WritePacketInfo(packetInfo, new Span<byte>(control, ControlSpace)) : 0;
        fixed (byte* p = data)
        {
            Interop.IoVec iov = new() { Base = p, Length = (nuint)data.Length };
            Interop.MsgHdr msg = new()
            {
                Name = addr, NameLength = (uint)addrLen, Iov = &iov, IovLength = 1,
                Control = controlLen > 0 ? control : null, ControlLength = (nuint)controlLen,
            };
            for (int attempt = 0; ; attempt++)
            {
                if (Interop.sendmsg(_fd.Fd, &msg, Interop.MSG_NOSIGNAL) >= 0)
                {
                    return NtStatus.Success;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ECONNREFUSED && attempt == 0)
                {
                    // The kernel handed this send the pending ICMP error of an earlier datagram: keep it for the next receive.
                    _pendingIcmpError = errno;
                    continue;
                }

                LastError = errno;
                return ErrnoMapping.ToDatagramNtStatus(errno, Logger);
            }
        }
    }

    public NtStatus ReceiveFrom(Span<byte> buffer, out HostDatagram datagram)
    {
        datagram = default;
        if (_pendingIcmpError != 0)
        {
            LastError = _pendingIcmpError;
            _pendingIcmpError = 0;
            return ErrnoMapping.ToDatagramNtStatus(LastError, Logger);
        }

        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        byte* control = stackalloc byte[ControlSpace];
        nint n;
        Interop.MsgHdr msg;
        fixed (byte* p = buffer)
        {
            Interop.IoVec iov = new() { Base = p, Length = (nuint)buffer.Length };
            msg = new()
            {
                Name = addr, NameLength = NativeSockAddr.MaxSize, Iov = &iov, IovLength = 1,
                Control = control, ControlLength = ControlSpace,
            };
            n = Interop.recvmsg(_fd.Fd, &msg, Interop.MSG_TRUNC); // MSG_TRUNC: the return is the datagram's real length.
        }

        if (n < 0)
        {
            LastError = Marshal.GetLastPInvokeError();
            NtStatus status = ErrnoMapping.ToDatagramNtStatus(LastError, Logger);
            if (status.IsError)
            {
                datagram = datagram with { Remote = DrainErrorQueue() };
            }

            return status;
        }

        NativeSockAddr.TryRead(new ReadOnlySpan<byte>(addr, (int)msg.NameLength), out SockAddr remote);
        int length = (int)n;
        bool hasInfo = false;
        HostPacketInfo info = default;
        if (_packetInfo)
        {
            hasInfo = ReadPacketInfo(new ReadOnlySpan<byte>(control, (int)msg.ControlLength), out info);
        }

        datagram = new HostDatagram(length, Math.Min(length, buffer.Length), remote, hasInfo, info);
        return NtStatus.Success;
    }

    public NtStatus SetOption(HostSocketOption option, int value)
    {
        if (!LinuxSocketOptions.TryMap(option, _family, out int level, out int name))
        {
            return NtStatus.NotSupported;
        }

        NtStatus status = SetInt(level, name, value);
        if (status == NtStatus.Success && option == HostSocketOption.PacketInfo)
        {
            _packetInfo = value != 0;
        }

        return status;
    }

    public NtStatus GetOption(HostSocketOption option, out int value)
    {
        value = 0;
        if (!LinuxSocketOptions.TryMap(option, _family, out int level, out int name))
        {
            return NtStatus.NotSupported;
        }

        int v = 0, len = sizeof(int);
        NtStatus status = Result(Interop.getsockopt(_fd.Fd, level, name, &v, &len));
        value = LinuxSocketOptions.FromHost(option, v);
        return status;
    }

    public NtStatus GetLocalAddress(out SockAddr address)
    {
        byte* buffer = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.MaxSize;
        if (Interop.getsockname(_fd.Fd, buffer, &len) != 0)
        {
            address = default;
            LastError = Marshal.GetLastPInvokeError();
            return ErrnoMapping.ToNtStatus(LastError, Logger);
        }

        return NativeSockAddr.TryRead(new ReadOnlySpan<byte>(buffer, len), out address) ? NtStatus.Success : NtStatus.InvalidAddress;
    }

    public void Dispose()
    {
        if (_token >= 0)
        {
            _loop.Unregister(_token);
            _token = -1;
        }

        _fd.Dispose();
    }

    /// <summary>Empties the ICMP error queue (its reports would otherwise pile up to the receive buffer's size); returns the
    /// destination the first report was about (the kernel gives the original datagram's destination as its name).</summary>
    private SockAddr DrainErrorQueue()
    {
        SockAddr first = default;
        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        byte* control = stackalloc byte[ControlSpace * 2];
        byte scratch;
        for (int i = 0; i < 64; i++)
        {
            Interop.IoVec iov = new() { Base = &scratch, Length = 1 };
            Interop.MsgHdr msg = new()
            {
                Name = addr, NameLength = NativeSockAddr.MaxSize, Iov = &iov, IovLength = 1,
                Control = control, ControlLength = ControlSpace * 2,
            };
            if (Interop.recvmsg(_fd.Fd, &msg, Interop.MSG_ERRQUEUE) < 0)
            {
                break;
            }

            if (i == 0)
            {
                NativeSockAddr.TryRead(new ReadOnlySpan<byte>(addr, (int)msg.NameLength), out first);
            }
        }

        return first;
    }

    /// <summary>Writes one IP_PKTINFO (<c>in_pktinfo</c>: ifindex, spec_dst = the source, addr) or IPV6_PKTINFO
    /// (<c>in6_pktinfo</c>: addr = the source, ifindex) control message; returns its space.</summary>
    private int WritePacketInfo(in HostPacketInfo info, Span<byte> control)
    {
        control[..ControlSpace].Clear();
        int dataLength;
        if (_family == Ws2Def.AF_INET6)
        {
            dataLength = 20;
            info.Address.CopyAddressTo(control[Interop.CmsgHeaderSize..]);
            BinaryPrimitives.WriteUInt32LittleEndian(control[(Interop.CmsgHeaderSize + 16)..], info.InterfaceIndex);
            BinaryPrimitives.WriteInt32LittleEndian(control[8..], Interop.IPPROTO_IPV6);
            BinaryPrimitives.WriteInt32LittleEndian(control[12..], Interop.IPV6_PKTINFO);
        }
        else
        {
            dataLength = 12;
            BinaryPrimitives.WriteUInt32LittleEndian(control[Interop.CmsgHeaderSize..], info.InterfaceIndex);
            info.Address.CopyAddressTo(control[(Interop.CmsgHeaderSize + 4)..]);
            BinaryPrimitives.WriteInt32LittleEndian(control[8..], Interop.IPPROTO_IP);
            BinaryPrimitives.WriteInt32LittleEndian(control[12..], Interop.IP_PKTINFO);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(control, (ulong)(Interop.CmsgHeaderSize + dataLength));
        return Interop.CmsgHeaderSize + ((dataLength + 7) & ~7);
    }

    /// <summary>Finds the packet-info control message among those received.</summary>
    private static bool ReadPacketInfo(ReadOnlySpan<byte> control, out HostPacketInfo info)
    {
        info = default;
        while (control.Length >= Interop.CmsgHeaderSize)
        {
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control);
            if (length < Interop.CmsgHeaderSize || length > control.Length)
            {
                return false;
            }

            int level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            int type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            ReadOnlySpan<byte> data = control[Interop.CmsgHeaderSize..length];
            if (level == Interop.IPPROTO_IP && type == Interop.IP_PKTINFO && data.Length >= 12)
            {
                // in_pktinfo: ipi_ifindex, ipi_spec_dst (the local address used), ipi_addr (the header's destination).
                info = new HostPacketInfo(SockAddr.Inet(data.Slice(8, 4), 0), BinaryPrimitives.ReadUInt32LittleEndian(data));
                return true;
            }

            if (level == Interop.IPPROTO_IPV6 && type == Interop.IPV6_PKTINFO && data.Length >= 20)
            {
                info = new HostPacketInfo(SockAddr.Inet6(data[..16], 0), BinaryPrimitives.ReadUInt32LittleEndian(data[16..]));
                return true;
            }

            int space = (length + 7) & ~7;
            if (space >= control.Length)
            {
                break;
            }

            control = control[space..];
        }

        return false;
    }

    private NtStatus SetInt(int level, int name, int value) => Result(Interop.setsockopt(_fd.Fd, level, name, &value, sizeof(int)));

    private NtStatus Result(int rc)
    {
        if (rc == 0)
        {
            return NtStatus.Success;
        }

        LastError = Marshal.GetLastPInvokeError();
        return ErrnoMapping.ToNtStatus(LastError, Logger);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Linux;

/// <summary>
/// One non-blocking Linux UDP socket: <c>sendto</c> (<c>sendmsg</c> with packet information) and <c>recvfrom</c>
/// (<c>recvmsg</c> with packet information), one syscall per datagram, and <c>sendmmsg</c> for a list (up to 1,024
/// datagrams a syscall), errno mapped once. A receive passes MSG_TRUNC so the kernel reports the datagram's real length,
/// and reads IP_PKTINFO / IPV6_PKTINFO when asked for.
/// ICMP errors: IP_RECVERR / IPV6_RECVERR are on from creation, so a port unreachable for a datagram sent from an
/// unconnected socket reaches the next receive (as Windows reports it, STATUS_PORT_UNREACHABLE), not only on a connected
/// one; its queued report is drained there, and names the unreachable destination. The kernel may hand that same pending
/// error to the next send instead: the send is then retried once and the error kept for the next receive.
/// Readiness: the socket joins its loop for reads and errors only (every datagram a UDP socket sends would otherwise
/// report send space once its buffer is freed) and asks for send space from a send that finds no room until one succeeds.
/// Reads are level-triggered, as C's epoll loops have them: a datagram a receive left queued is reported again by the
/// loop's next pass, so a receive takes one datagram and need not learn whether the queue is now empty. So a receive that
/// follows a send of this socket is not tried until the loop has reported the socket readable since the last receive: the
/// answer to a request costs one syscall, and a request and its reply take two, as C's sendto and recvfrom do. While
/// nobody takes datagrams (the engine says so: <see cref="ReadableUnclaimed"/>) reads are edge-triggered instead, so that
/// a datagram left waiting is not reported on every pass, until a receive finds the queue empty; and while send space is
/// asked for, since send space must not be level-triggered.
/// Its stack buffers are not zeroed first (<see cref="SkipLocalsInitAttribute"/>): each is written before it is read, by
/// the code (addresses and control data sent) or by the kernel (what a receive reports, read only as far as it says).
/// </summary>
[SkipLocalsInit]
internal sealed unsafe class LinuxHostDatagramSocket : IHostDatagramSocket, IHostSocketEvents
{
    private const int ControlSpace = 64; // room for one in6_pktinfo (20 bytes) with its header, or an error report's head
    private readonly SafeFileDescriptor _fd;
    private readonly IHostSocketEvents _events;
    private readonly EpollLoop _loop;
    private readonly ushort _family;
    private long _token = -1;
    private int _pendingIcmpError; // an ICMP error a send took from the kernel: the next receive reports it
    private bool _packetInfo;
    private int _readableReports;  // readable (or error) reports the loop has handed over
    private bool _writeReports;    // send space is asked of the loop (a send found no room; under the engine's lock)
    private bool _idle;            // a readable report found nobody to take datagrams: reads are edge-triggered until a
                                   // receive finds the queue empty (under the engine's lock)
    private int _reportsAtReceive = -1; // _readableReports when a receive last asked the kernel (under the engine's lock)
    private bool _sentSinceReceive;     // this socket has sent since then (under the engine's lock)
    private int _errorReported;    // the loop has reported an error since a receive last found the queue empty
    private Interop.MMsgHdr* _batch; // SendMany's sendmmsg entries and their iovecs (native, made at the first; under the lock)
    private Interop.IoVec* _batchVectors;
    private MemoryHandle[]? _pins;   // SendMany's datagrams, pinned for the call

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

    /// <summary>recvmsg calls made for datagrams (the error queue's not counted): what a receive costs, for tests.</summary>
    public long ReceiveSyscalls { get; private set; }

    /// <summary>sendmmsg calls made by <see cref="SendMany"/>: what a list costs, for tests.</summary>
    public long SendManySyscalls { get; private set; }

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

        // Joins the loop once bound: before that nothing can arrive, and the registration now reports what does.
        _token = _loop.Register(_fd.Fd, this, out errno, writeEvents: false, levelReads: true);
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
                // Without control data, sendto: the kernel then copies no msghdr and imports no iovec.
                nint sent = controlLen == 0
                    ? Interop.sendto(_fd.Fd, p, data.Length, Interop.MSG_NOSIGNAL, addr, addrLen)
                    : Interop.sendmsg(_fd.Fd, &msg, Interop.MSG_NOSIGNAL);
                if (sent >= 0)
                {
                    Sent();
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
                NtStatus status = ErrnoMapping.ToDatagramNtStatus(errno, Logger);
                return status == NtStatus.Pending ? AskForSendSpace() : status;
            }
        }
    }

    /// <summary>One sendmmsg for up to <see cref="IHostDatagramSocket.SendManyLimit"/> datagrams, all to one remote with one
    /// control block. The kernel stops at the first datagram it cannot send and says how many it sent; if that is none, its
    /// error is the call's (and a pending ICMP error it hands the call is kept for the next receive, as in SendTo).</summary>
    public NtStatus SendMany(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo,
        out int sent)
    {
        sent = 0;
        int count = Math.Min(datagrams.Length, IHostDatagramSocket.SendManyLimit);
        if (count == 0)
        {
            return NtStatus.Success;
        }

        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        byte* control = stackalloc byte[ControlSpace];
        int addrLen = NativeSockAddr.Write(remote, new Span<byte>(addr, NativeSockAddr.MaxSize));
        int controlLen = withPacketInfo ? WritePacketInfo(packetInfo, new Span<byte>(control, ControlSpace)) : 0;
        if (_batch is null)
        {
            _batch = (Interop.MMsgHdr*)NativeMemory.Alloc((nuint)IHostDatagramSocket.SendManyLimit, (nuint)sizeof(Interop.MMsgHdr));
            _batchVectors = (Interop.IoVec*)NativeMemory.Alloc((nuint)IHostDatagramSocket.SendManyLimit, (nuint)sizeof(Interop.IoVec));
        }

        MemoryHandle[] pins = _pins ??= new MemoryHandle[IHostDatagramSocket.SendManyLimit];
        try
        {
            for (int i = 0; i < count; i++)
            {
                pins[i] = datagrams[i].Pin();
                _batchVectors[i] = new() { Base = pins[i].Pointer, Length = (nuint)datagrams[i].Length };
                _batch[i] = new()
                {
                    Header = new()
                    {
                        Name = addr, NameLength = (uint)addrLen, Iov = _batchVectors + i, IovLength = 1,
                        Control = controlLen > 0 ? control : null, ControlLength = (nuint)controlLen,
                    },
                };
            }

            for (int attempt = 0; ; attempt++)
            {
                SendManySyscalls++;
                int n = Interop.sendmmsg(_fd.Fd, _batch, (uint)count, Interop.MSG_NOSIGNAL);
                if (n > 0)
                {
                    sent = n;
                    Sent();
                    return NtStatus.Success;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ECONNREFUSED && attempt == 0)
                {
                    _pendingIcmpError = errno; // An earlier datagram's ICMP error: the next receive's.
                    continue;
                }

                LastError = errno;
                NtStatus status = ErrnoMapping.ToDatagramNtStatus(errno, Logger);
                return status == NtStatus.Pending ? AskForSendSpace() : status;
            }
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                pins[i].Dispose();
                pins[i] = default;
            }
        }
    }

    public NtStatus ReceiveFrom(Span<byte> buffer, out HostDatagram datagram)
    {
        datagram = default;
        if (_pendingIcmpError != 0)
        {
            // The error a send took from the kernel: its report is still queued (and would keep the socket reported).
            LastError = _pendingIcmpError;
            _pendingIcmpError = 0;
            datagram = datagram with { Remote = DrainErrorQueue() };
            return ErrnoMapping.ToDatagramNtStatus(LastError, Logger);
        }

        int reports = Volatile.Read(ref _readableReports);
        if (reports == _reportsAtReceive && _sentSinceReceive && !_idle && !_writeReports)
        {
            // The request/response shape: nothing was reported since the last receive and this socket has sent meanwhile,
            // so this receive waits for an answer, which a recvfrom now would hardly find (a round trip takes longer than
            // a send). Reads are level-triggered: a datagram already waiting is reported again by the loop's next pass.
            return NtStatus.Pending;
        }

        _reportsAtReceive = reports;
        _sentSinceReceive = false;
        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        byte* control = stackalloc byte[ControlSpace];
        nint n;
        int addrLen = NativeSockAddr.MaxSize;
        uint controlLen = 0;
        bool controlTruncated = false;
        fixed (byte* p = buffer)
        {
            ReceiveSyscalls++;
            if (!_packetInfo)
            {
                // One datagram, as C's recvfrom: the loop, not a second slot, says whether more wait.
                n = Interop.recvfrom(_fd.Fd, p, buffer.Length, Interop.MSG_TRUNC, addr, &addrLen); // MSG_TRUNC: the real length.
            }
            else
            {
                Interop.IoVec iov = new() { Base = p, Length = (nuint)buffer.Length };
                Interop.MsgHdr msg = new()
                {
                    Name = addr, NameLength = NativeSockAddr.MaxSize, Iov = &iov, IovLength = 1,
                    Control = control, ControlLength = ControlSpace,
                };
                n = Interop.recvmsg(_fd.Fd, &msg, Interop.MSG_TRUNC);
                addrLen = (int)msg.NameLength;
                controlLen = (uint)msg.ControlLength;
                controlTruncated = (msg.Flags & Interop.MSG_CTRUNC) != 0; // The kernel had more than ControlSpace to give.
            }
        }

        if (n < 0)
        {
            LastError = Marshal.GetLastPInvokeError();
            NtStatus status = ErrnoMapping.ToDatagramNtStatus(LastError, Logger);
            if (status == NtStatus.Pending)
            {
                if (Interlocked.Exchange(ref _errorReported, 0) != 0)
                {
                    // An error report whose error a send took: its queued report would keep the socket reported.
                    _ = DrainErrorQueue();
                }

                ReadsClaimed();
            }
            else if (status.IsError)
            {
                Volatile.Write(ref _errorReported, 0); // drained here
                datagram = datagram with { Remote = DrainErrorQueue() };
            }

            return status;
        }

        NativeSockAddr.TryRead(new ReadOnlySpan<byte>(addr, addrLen), out SockAddr remote);
        bool hasInfo = false;
        HostPacketInfo info = default;
        if (_packetInfo)
        {
            hasInfo = ReadPacketInfo(new ReadOnlySpan<byte>(control, (int)controlLen), out info);
        }

        datagram = new HostDatagram((int)n, Math.Min((int)n, buffer.Length), remote, hasInfo, info, controlTruncated);
        return NtStatus.Success;
    }

    /// <summary>Under the engine's lock: nobody takes datagrams now, so the loop's repeated reports of waiting ones stop
    /// (reads become edge-triggered) until a receive finds the queue empty.</summary>
    public void ReadableUnclaimed()
    {
        if (_idle || _token < 0)
        {
            return;
        }

        // While send space is asked for the registration is edge-triggered already.
        if (_writeReports || _loop.Modify(_fd.Fd, _token, writeEvents: false, levelReads: false) == 0)
        {
            _idle = true;
        }
    }

    /// <summary>Under the engine's lock: a receive found the queue empty, so someone takes datagrams again: reads become
    /// level-triggered again (when send space is not asked for).</summary>
    private void ReadsClaimed()
    {
        if (!_idle)
        {
            return;
        }

        if (_writeReports || _loop.Modify(_fd.Fd, _token, writeEvents: false, levelReads: true) == 0)
        {
            _idle = false;
        }
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

    /// <summary>Sets an option by its Linux numbers, one the contract does not name: for tests that make the kernel report
    /// more control data than a receive has room for.</summary>
    public NtStatus SetRawOption(int level, int name, int value) => SetInt(level, name, value);

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

    /// <summary>The loop's report, seen here before the engine's: a readable report lets receives try again.</summary>
    void IHostSocketEvents.OnReady(bool readable, bool writable, bool hangup)
    {
        if (readable)
        {
            Interlocked.Increment(ref _readableReports);
        }

        if (hangup)
        {
            Volatile.Write(ref _errorReported, 1); // UDP sockets are not shut down: a hangup is the loop's EPOLLERR.
        }

        _events.OnReady(readable, writable, hangup);
    }

    public void Dispose()
    {
        if (_token >= 0)
        {
            _loop.Unregister(_token);
            _token = -1;
        }

        _fd.Dispose();
        if (_batch is not null)
        {
            NativeMemory.Free(_batch);
            NativeMemory.Free(_batchVectors);
            _batch = null;
            _batchVectors = null;
        }
    }

    /// <summary>Under the engine's lock, after the kernel took a send: a receive now waits for an answer (see ReceiveFrom),
    /// and if send space was asked of the loop there is room again, so no more send-space reports (done here, under the
    /// engine's lock, not by the loop's thread, which could race the descriptor's close). A failure only leaves them on.</summary>
    private void Sent()
    {
        _sentSinceReceive = true;
        if (_writeReports)
        {
            _writeReports = false;
            _ = _loop.Modify(_fd.Fd, _token, writeEvents: false, levelReads: !_idle);
        }
    }

    /// <summary>A send found no room: asks the loop to report send space (until a send succeeds again), and the send waits
    /// (Pending); if the loop cannot be asked, the send fails with that error rather than wait for a report that would never
    /// come.</summary>
    private NtStatus AskForSendSpace()
    {
        if (_writeReports)
        {
            return NtStatus.Pending; // Asked already: the edge comes when room does.
        }

        int errno = _loop.Modify(_fd.Fd, _token, writeEvents: true); // edge-triggered, reads too, until room comes
        if (errno == 0)
        {
            _writeReports = true;
            return NtStatus.Pending;
        }

        LastError = errno;
        return ErrnoMapping.ToNtStatus(errno, Logger);
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

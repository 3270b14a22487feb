using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Linux;

/// <summary>One non-blocking Linux TCP socket: each method is one syscall (or two), errno mapped once. It keeps the event
/// loop its stack gave it for life (the stack's logger is reached through it, one field less per socket). It is its own
/// descriptor's SafeHandle (closed exactly once, by Dispose or, for a socket never closed, by the finalizer): one object
/// per connection instead of two, and no indirection per syscall.</summary>
internal sealed unsafe class LinuxHostSocket : SafeHandle, IHostSocket
{
    private readonly IHostSocketEvents _events;
    private readonly EpollLoop _loop;
    private long _token = -1;

    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public LinuxHostSocket(int fd, IHostSocketEvents events, EpollLoop loop)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
        _events = events;
        _loop = loop;
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number (the engine's lock keeps every call from racing the close).</summary>
    private int Fd => (int)handle;

    private ILogger? Logger => _loop.Logger;

    public int LastError { get; private set; }

    public NtStatus Bind(in SockAddr local)
    {
        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.Write(local, new Span<byte>(addr, NativeSockAddr.MaxSize));
        return Result(Interop.bind(Fd, addr, len));
    }

    public NtStatus AllowTimeWaitPort()
    {
        int on = 1;
        return Result(Interop.setsockopt(Fd, Interop.SOL_SOCKET, Interop.SO_REUSEADDR, &on, sizeof(int)));
    }

    public NtStatus Connect(in SockAddr remote)
    {
        if (StartLoop() is var loop && loop != NtStatus.Success)
        {
            return loop;
        }

        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.Write(remote, new Span<byte>(addr, NativeSockAddr.MaxSize));
        NtStatus status = Result(Interop.connect(Fd, addr, len));
        return status.IsError ? status : Register(status);
    }

    public NtStatus ConnectWithData(in SockAddr remote, ReadOnlySpan<byte> data, out int queued)
    {
        queued = 0;
        if (StartLoop() is var loop && loop != NtStatus.Success)
        {
            return loop;
        }

        byte* addr = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.Write(remote, new Span<byte>(addr, NativeSockAddr.MaxSize));
        nint n;
        fixed (byte* p = data)
        {
            n = Interop.sendto(Fd, p, data.Length, Interop.MSG_FASTOPEN | Interop.MSG_NOSIGNAL, addr, len);
        }

        if (n >= 0)
        {
            queued = (int)n;
            return Register(NtStatus.Success);
        }

        queued = 0;
        NtStatus status = Fail();
        if (LastError == Errno.EOPNOTSUPP)
        {
            // Fast Open is off for clients on this host: an ordinary connect, the data after the handshake.
            return Connect(remote);
        }

        return status.IsError ? status : Register(status);
    }

    public NtStatus GetConnectResult()
    {
        int error = 0, len = sizeof(int);
        if (Interop.getsockopt(Fd, Interop.SOL_SOCKET, Interop.SO_ERROR, &error, &len) != 0)
        {
            return Fail();
        }

        LastError = error;
        return ErrnoMapping.ToNtStatus(error, Logger);
    }

    public NtStatus Send(ReadOnlySpan<byte> data, out int sent)
    {
        nint n;
        fixed (byte* p = data)
        {
            n = Interop.send(Fd, p, data.Length, Interop.MSG_NOSIGNAL);
        }

        sent = n > 0 ? (int)n : 0;
        return n >= 0 ? NtStatus.Success : Fail();
    }

    public NtStatus Receive(Span<byte> buffer, out int received)
    {
        nint n;
        fixed (byte* p = buffer)
        {
            n = Interop.recv(Fd, p, buffer.Length, 0);
        }

        received = n > 0 ? (int)n : 0;
        return n >= 0 ? NtStatus.Success : Fail();
    }

    public NtStatus SetNoDelay(bool on)
    {
        int value = on ? 1 : 0;
        return Result(Interop.setsockopt(Fd, Interop.IPPROTO_TCP, Interop.TCP_NODELAY, &value, sizeof(int)));
    }

    public NtStatus SetOption(HostSocketOption option, int value) =>
        LinuxSocketOptions.TryMap(option, family: 0, out int level, out int name)
            ? Result(Interop.setsockopt(Fd, level, name, &value, sizeof(int)))
            : NtStatus.NotSupported;

    public NtStatus GetOption(HostSocketOption option, out int value)
    {
        value = 0;
        if (!LinuxSocketOptions.TryMap(option, family: 0, out int level, out int name))
        {
            return NtStatus.NotSupported;
        }

        int result = 0, len = sizeof(int);
        NtStatus status = Result(Interop.getsockopt(Fd, level, name, &result, &len));
        value = LinuxSocketOptions.FromHost(option, result);
        return status;
    }

    public NtStatus GetFastOpenInfo(out HostFastOpenInfo info)
    {
        byte* tcpInfo = stackalloc byte[Interop.TCP_INFO_SIZE];
        int len = Interop.TCP_INFO_SIZE;
        if (Interop.getsockopt(Fd, Interop.IPPROTO_TCP, Interop.TCP_INFO, tcpInfo, &len) != 0 || len < 8)
        {
            info = default;
            return Fail();
        }

        // tcpi_state is byte 0, tcpi_options byte 5 (TCPI_OPT_SYN_DATA = 0x20), tcpi_fastopen_client_fail bits 1-2 of byte 7.
        info = new HostFastOpenInfo((tcpInfo[5] & 0x20) != 0, (byte)((tcpInfo[7] >> 1) & 3), tcpInfo[0]);
        return NtStatus.Success;
    }

    public NtStatus GetLocalAddress(out SockAddr address) => Name(peer: false, out address);

    public NtStatus GetRemoteAddress(out SockAddr address) => Name(peer: true, out address);

    public NtStatus Listen(int backlog)
    {
        if (StartLoop() is var loop && loop != NtStatus.Success)
        {
            return loop;
        }

        NtStatus status = Result(Interop.listen(Fd, backlog));
        return status == NtStatus.Success ? Register(status) : status;
    }

    public NtStatus SetFastOpenQueue(int length)
        => Result(Interop.setsockopt(Fd, Interop.IPPROTO_TCP, Interop.TCP_FASTOPEN, &length, sizeof(int)));

    public NtStatus Accept(IHostSocketEvents events, out IHostSocket? accepted)
    {
        int fd = Interop.accept4(Fd, null, null, Interop.SOCK_NONBLOCK | Interop.SOCK_CLOEXEC);
        if (fd < 0)
        {
            accepted = null;
            return Fail();
        }

        // Round robin, as a created socket: a busy listener's connections spread over every loop.
        var socket = new LinuxHostSocket(fd, events, _loop.Stack.NextLoop());
        NtStatus status = socket.StartLoop();
        if (status == NtStatus.Success)
        {
            status = socket.Register(NtStatus.Success);
        }

        if (status != NtStatus.Success)
        {
            socket.Dispose();
            accepted = null;
            return status;
        }

        accepted = socket;
        return NtStatus.Success;
    }

    public NtStatus ShutdownSend() => Result(Interop.shutdown(Fd, Interop.SHUT_WR));

    public NtStatus GetSendBufferSize(out int size)
    {
        int value = 0, len = sizeof(int);
        NtStatus status = Result(Interop.getsockopt(Fd, Interop.SOL_SOCKET, Interop.SO_SNDBUF, &value, &len));
        size = value;
        return status;
    }

    public void Abort()
    {
        var linger = new Interop.Linger { OnOff = 1, Seconds = 0 };
        Interop.setsockopt(Fd, Interop.SOL_SOCKET, Interop.SO_LINGER, &linger, sizeof(Interop.Linger));
        Dispose();
    }

    /// <summary>Leaves the event loop (not from the finalizer: a registered socket is reachable from its loop), then
    /// closes the descriptor, once.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _token >= 0)
        {
            _loop.Unregister(_token);
            _token = -1;
        }

        base.Dispose(disposing);
    }

    protected override bool ReleaseHandle() => Interop.close((int)handle) == 0;

    private NtStatus Name(bool peer, out SockAddr address)
    {
        byte* buffer = stackalloc byte[NativeSockAddr.MaxSize];
        int len = NativeSockAddr.MaxSize;
        int rc = peer ? Interop.getpeername(Fd, buffer, &len) : Interop.getsockname(Fd, buffer, &len);
        if (rc != 0)
        {
            address = default;
            return Fail();
        }

        return NativeSockAddr.TryRead(new ReadOnlySpan<byte>(buffer, len), out address) ? NtStatus.Success : NtStatus.InvalidAddress;
    }

    /// <summary>Joins the event loop once the socket has something to wait for (after the connect syscall, so an
    /// edge-triggered registration reports the socket's real state, never a stale one from before connect).</summary>
    private NtStatus Register(NtStatus status)
    {
        if (_token < 0)
        {
            _token = _loop.Register(Fd, _events, out int errno);
            if (_token < 0)
            {
                LastError = errno;
                return ErrnoMapping.ToNtStatus(errno, Logger);
            }
        }

        return status;
    }

    /// <summary>The event loop starts with the first socket that needs it, before the syscall that would need it (a connect
    /// must not be left half-made): if it cannot start, the call fails with the reason and nothing is kept, so the next
    /// call tries again.</summary>
    private NtStatus StartLoop()
    {
        int errno = _loop.TryStart();
        if (errno == 0)
        {
            return NtStatus.Success;
        }

        LastError = errno;
        return ErrnoMapping.ToNtStatus(errno, Logger);
    }

    private NtStatus Result(int rc) => rc == 0 ? NtStatus.Success : Fail();

    private NtStatus Fail()
    {
        LastError = Marshal.GetLastPInvokeError();
        return ErrnoMapping.ToNtStatus(LastError, Logger);
    }
}

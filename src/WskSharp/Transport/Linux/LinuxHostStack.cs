using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport.Linux;

/// <summary>
/// The Linux kernel's TCP stack, for one registration: it owns that registration's epoll event loops (each started with
/// its first socket, all stopped by <see cref="Dispose"/> at WskDeregister) and gives each new socket the next loop,
/// round robin. With a network namespace name, sockets are created inside that namespace (the creating thread enters it
/// for the one <c>socket</c> call and returns; a descriptor keeps its namespace for life), so one process can drive hosts
/// of a lab without running inside it.
/// </summary>
internal sealed class LinuxHostStack : IHostStack, IDisposable
{
    /// <summary>How long <see cref="Dispose"/> waits for each loop's thread to end.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly SafeFileDescriptor? _namespace;
    private readonly SafeFileDescriptor? _home;
    private readonly ILogger? _logger;
    private readonly EpollLoop[] _loops;
    private uint _nextLoop;

    private LinuxHostStack(int eventLoops, ILogger? logger)
    {
        _logger = logger;
        _loops = new EpollLoop[eventLoops];
        for (int i = 0; i < eventLoops; i++)
        {
            _loops[i] = new EpollLoop(this, i, logger);
        }
    }

    private LinuxHostStack(string networkNamespace, SafeFileDescriptor target, SafeFileDescriptor home, int eventLoops, ILogger? logger)
        : this(eventLoops, logger)
    {
        _namespace = target;
        _home = home;
        NetworkNamespace = networkNamespace;
    }

    /// <summary>The stack of the process's own namespace with <paramref name="eventLoops"/> event loops (at least 1).</summary>
    public static LinuxHostStack Create(int eventLoops, ILogger? logger) => new(eventLoops, logger);

    /// <summary>
    /// A stack whose sockets live in the named namespace (<c>/var/run/netns/NAME</c>, as <c>ip netns</c> makes, or a path):
    /// Success; STATUS_INVALID_PARAMETER if there is no such file; STATUS_ACCESS_DENIED if it may not be opened;
    /// STATUS_OBJECT_TYPE_MISMATCH if the file is not a network namespace (<c>/dev/null</c>, a mount namespace, ...), which
    /// would otherwise be found out only at the first WskSocket.
    /// </summary>
    public static NtStatus Open(string networkNamespace, int eventLoops, ILogger? logger, out LinuxHostStack? stack)
    {
        stack = null;
        string path = networkNamespace.Contains('/', StringComparison.Ordinal) ? networkNamespace : "/var/run/netns/" + networkNamespace;
        NtStatus status = OpenNamespace(path, out SafeFileDescriptor? target);
        if (status != NtStatus.Success)
        {
            return status;
        }

        status = OpenNamespace("/proc/self/ns/net", out SafeFileDescriptor? home);
        if (status != NtStatus.Success)
        {
            target!.Dispose();
            return status;
        }

        stack = new LinuxHostStack(networkNamespace, target!, home!, eventLoops, logger);
        return NtStatus.Success;
    }

    /// <summary>The stack's event loops (tests look at their threads).</summary>
    public IReadOnlyList<EpollLoop> Loops => _loops;

    /// <summary>The namespace this stack's sockets live in, or null for the process's own.</summary>
    public string? NetworkNamespace { get; }

    /// <inheritdoc/>
    public string Name => NetworkNamespace is null ? "linux" : $"linux(netns {NetworkNamespace})";

    /// <inheritdoc/>
    public NtStatus CreateStreamSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket)
    {
        socket = null;
        NtStatus status = CreateDescriptor(family, Interop.SOCK_STREAM, Interop.IPPROTO_TCP, out int fd);
        if (status == NtStatus.Success)
        {
            socket = new LinuxHostSocket(fd, events, NextLoop()); // Its own SafeHandle: owns the descriptor from here.
        }

        return status;
    }

    /// <inheritdoc/>
    public NtStatus CreateDatagramSocket(ushort family, IHostSocketEvents events, out IHostDatagramSocket? socket)
    {
        socket = null;
        NtStatus status = CreateDescriptor(family, Interop.SOCK_DGRAM, Interop.IPPROTO_UDP, out int fd);
        if (status != NtStatus.Success)
        {
            return status;
        }

        var datagram = new LinuxHostDatagramSocket(new SafeFileDescriptor(fd), family, events, NextLoop());
        status = datagram.EnableErrorReports();
        if (status != NtStatus.Success)
        {
            datagram.Dispose();
            return status;
        }

        socket = datagram;
        return NtStatus.Success;
    }

    /// <summary>A new non-blocking descriptor (-1 with the status on failure); the caller wraps it at once.</summary>
    private NtStatus CreateDescriptor(ushort family, int type, int protocol, out int descriptor)
    {
        descriptor = -1;
        int domain = family switch
        {
            Ws2Def.AF_INET => Interop.AF_INET,
            Ws2Def.AF_INET6 => Interop.AF_INET6,
            _ => -1,
        };
        if (domain < 0)
        {
            return NtStatus.InvalidParameter;
        }

        int fd, errno;
        if (_namespace is null)
        {
            fd = Interop.socket(domain, type | Interop.SOCK_NONBLOCK | Interop.SOCK_CLOEXEC, protocol);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        else
        {
            (fd, errno) = CreateInNamespace(domain, type, protocol);
        }

        if (fd < 0)
        {
            return ErrnoMapping.ToNtStatus(errno, _logger);
        }

        descriptor = fd;
        return NtStatus.Success;
    }

    private (int Fd, int Errno) CreateInNamespace(int domain, int type, int protocol)
    {
        // setns changes only this thread, and only for these few lines: no await, no other work in between.
        if (Interop.setns(_namespace!.Fd, Interop.CLONE_NEWNET) != 0)
        {
            return (-1, Marshal.GetLastPInvokeError());
        }

        int fd = Interop.socket(domain, type | Interop.SOCK_NONBLOCK | Interop.SOCK_CLOEXEC, protocol);
        int errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (Interop.setns(_home!.Fd, Interop.CLONE_NEWNET) != 0)
        {
            // A thread stranded in the lab's namespace would put later sockets there: that must never pass silently.
            Environment.FailFast($"WskSharp: could not return a thread to its network namespace (errno {Marshal.GetLastPInvokeError()}).");
        }

        return (fd, errno);
    }

    private static NtStatus OpenNamespace(string path, out SafeFileDescriptor? handle)
    {
        handle = null;
        int fd = Interop.open(path, Interop.O_RDONLY | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError() == Errno.EACCES ? NtStatus.AccessDenied : NtStatus.InvalidParameter;
        }

        var opened = new SafeFileDescriptor(fd);
        if (Interop.ioctl(fd, Interop.NS_GET_NSTYPE) != Interop.CLONE_NEWNET)
        {
            opened.Dispose();
            return NtStatus.ObjectTypeMismatch;
        }

        handle = opened;
        return NtStatus.Success;
    }

    /// <summary>The loop of the next socket, round robin (a socket keeps its loop for life).</summary>
    internal EpollLoop NextLoop() => _loops.Length == 1 ? _loops[0] : _loops[(Interlocked.Increment(ref _nextLoop) - 1) % (uint)_loops.Length];

    /// <summary>Stops every loop (their threads end and close their descriptors), then lets go of the namespace.
    /// WskDeregister calls it once every socket is closed.</summary>
    public void Dispose()
    {
        foreach (EpollLoop loop in _loops)
        {
            loop.Stop(StopTimeout);
        }

        _namespace?.Dispose();
        _home?.Dispose();
    }
}

using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Transport.Linux;

/// <summary>
/// The Linux kernel's TCP stack. With a network namespace name, sockets are created inside that namespace
/// (the creating thread enters it for the one <c>socket</c> call and returns; a descriptor keeps its namespace
/// for life), so one process can drive hosts of a lab without running inside it.
/// </summary>
internal sealed class LinuxHostStack : IHostStack, IDisposable
{
    private readonly SafeFileDescriptor? _namespace;
    private readonly SafeFileDescriptor? _home;

    /// <summary>The stack of the process's own network namespace.</summary>
    public static LinuxHostStack Default { get; } = new();

    private LinuxHostStack()
    {
    }

    /// <summary>A stack whose sockets live in the named namespace (<c>/var/run/netns/NAME</c>, as <c>ip netns</c> makes).</summary>
    /// <exception cref="InvalidOperationException">The namespace cannot be opened.</exception>
    public LinuxHostStack(string networkNamespace)
    {
        string path = networkNamespace.Contains('/', StringComparison.Ordinal) ? networkNamespace : "/var/run/netns/" + networkNamespace;
        _namespace = OpenNamespace(path);
        _home = OpenNamespace("/proc/self/ns/net");
        NetworkNamespace = networkNamespace;
    }

    /// <summary>The namespace this stack's sockets live in, or null for the process's own.</summary>
    public string? NetworkNamespace { get; }

    /// <inheritdoc/>
    public string Name => NetworkNamespace is null ? "linux" : $"linux(netns {NetworkNamespace})";

    /// <inheritdoc/>
    public NtStatus CreateStreamSocket(ushort family, IHostSocketEvents events, out IHostSocket? socket)
    {
        socket = null;
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
            fd = Interop.socket(domain, Interop.SOCK_STREAM | Interop.SOCK_NONBLOCK | Interop.SOCK_CLOEXEC, Interop.IPPROTO_TCP);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        else
        {
            (fd, errno) = CreateInNamespace(domain);
        }

        if (fd < 0)
        {
            return ErrnoMapping.ToNtStatus(errno);
        }

        socket = new LinuxHostSocket(new SafeFileDescriptor(fd), events);
        return NtStatus.Success;
    }

    private (int Fd, int Errno) CreateInNamespace(int domain)
    {
        // setns changes only this thread, and only for these few lines: no await, no other work in between.
        if (Interop.setns(_namespace!.Fd, Interop.CLONE_NEWNET) != 0)
        {
            return (-1, Marshal.GetLastPInvokeError());
        }

        int fd = Interop.socket(domain, Interop.SOCK_STREAM | Interop.SOCK_NONBLOCK | Interop.SOCK_CLOEXEC, Interop.IPPROTO_TCP);
        int errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        if (Interop.setns(_home!.Fd, Interop.CLONE_NEWNET) != 0)
        {
            // A thread stranded in the lab's namespace would put later sockets there: that must never pass silently.
            Environment.FailFast($"WskSharp: could not return a thread to its network namespace (errno {Marshal.GetLastPInvokeError()}).");
        }

        return (fd, errno);
    }

    private static SafeFileDescriptor OpenNamespace(string path)
    {
        int fd = Interop.open(path, Interop.O_RDONLY | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            throw new InvalidOperationException($"Cannot open network namespace '{path}' (errno {Marshal.GetLastPInvokeError()}).");
        }

        return new SafeFileDescriptor(fd);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _namespace?.Dispose();
        _home?.Dispose();
    }
}

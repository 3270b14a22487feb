using System.Runtime.InteropServices;

namespace WskSharp.Transport.Linux;

/// <summary>The libc calls the Linux stack makes, source-generated (<c>LibraryImport</c>), errno via SetLastError.</summary>
internal static unsafe partial class Interop
{
    private const string Libc = "libc";

    public const int AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_TCP = 6;
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_SNDBUF = 7, SO_LINGER = 13;
    public const int TCP_NODELAY = 1, TCP_INFO = 11, TCP_FASTOPEN = 23;
    public const int MSG_NOSIGNAL = 0x4000, MSG_FASTOPEN = 0x20000000;
    public const int SHUT_WR = 1;
    public const int TCP_INFO_SIZE = 232; // Enough for the fields read here (the kernel fills what fits).

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLERR = 0x8, EPOLLHUP = 0x10, EPOLLRDHUP = 0x2000, EPOLLET = 0x80000000;
    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    public const int CLONE_NEWNET = 0x40000000;
    public const nuint NS_GET_NSTYPE = 0xb703; // _IO(0xb7, 0x3): the CLONE_NEW* type of a namespace file (Linux 4.11)
    public const int O_RDONLY = 0, O_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Linger
    {
        public int OnOff;
        public int Seconds;
    }

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int bind(int fd, byte* addr, int len);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int connect(int fd, byte* addr, int len);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int accept4(int fd, byte* addr, int* len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint sendto(int fd, byte* buf, nint len, int flags, byte* addr, int addrLen);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, int len);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, int* len);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getsockname(int fd, byte* addr, int* len);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int getpeername(int fd, byte* addr, int* len);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int ioctl(int fd, nuint request);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);
}

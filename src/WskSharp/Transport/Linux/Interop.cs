using System.Runtime.InteropServices;

namespace WskSharp.Transport.Linux;

/// <summary>The libc calls the Linux stack makes, source-generated (<c>LibraryImport</c>), errno via SetLastError.</summary>
internal static unsafe partial class Interop
{
    private const string Libc = "libc";

    public const int AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_TCP = 6;
    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_SNDBUF = 7, SO_KEEPALIVE = 9, SO_LINGER = 13;
    public const int TCP_NODELAY = 1, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6, TCP_INFO = 11, TCP_FASTOPEN = 23;
    public const int IP_TTL = 2, IPV6_UNICAST_HOPS = 16, IPV6_V6ONLY = 26;
    public const int MSG_NOSIGNAL = 0x4000, MSG_FASTOPEN = 0x20000000;
    public const int SHUT_WR = 1;
    public const int TCP_INFO_SIZE = 232; // Enough for the fields read here (the kernel fills what fits).

    // Datagram sockets (UDP): socket type, levels, options and recvmsg flags of <linux/socket.h>, <linux/in.h>, <linux/in6.h>.
    public const int SOCK_DGRAM = 2, IPPROTO_IP = 0, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41;
    public const int SO_BROADCAST = 6, SO_RCVBUF = 8;
    public const int IP_PKTINFO = 8, IP_RECVERR = 11, IPV6_RECVERR = 25, IPV6_RECVPKTINFO = 49, IPV6_PKTINFO = 50;
    public const int MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20, MSG_ERRQUEUE = 0x2000;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1, EPOLL_CTL_MOD = 3;
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

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (64-bit layout: the runtime pads as the C compiler does).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c>: one entry of sendmmsg, its length filled in by the kernel.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>Size of <c>struct cmsghdr</c> (<c>size_t len; int level; int type;</c>); the data follows, 8-aligned.</summary>
    public const int CmsgHeaderSize = 16;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int sendmmsg(int fd, MMsgHdr* msgs, uint vlen, int flags);

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
    public static partial nint recvfrom(int fd, byte* buf, nint len, int flags, byte* addr, int* addrLen);

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
    public static partial nint write(int fd, void* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int ioctl(int fd, nuint request);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);
}

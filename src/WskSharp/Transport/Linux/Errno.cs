namespace WskSharp.Transport.Linux;

/// <summary>Linux x86-64/arm64 errno values the stack meets.</summary>
internal static class Errno
{
    public const int EPERM = 1, EINTR = 4, EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, ENODEV = 19;
    public const int EINVAL = 22, ENFILE = 23, EMFILE = 24, EPIPE = 32, ENONET = 64, EPROTO = 71, ENOTSOCK = 88, EDESTADDRREQ = 89;
    public const int EMSGSIZE = 90, EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93, ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101;
    public const int ENETRESET = 102, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106, ENOTCONN = 107, ESHUTDOWN = 108;
    public const int ETIMEDOUT = 110, ECONNREFUSED = 111, EHOSTDOWN = 112, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115;
}

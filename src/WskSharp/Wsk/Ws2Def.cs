namespace WskSharp.Wsk;

#pragma warning disable CA1707 // The names are those of ws2def.h/ws2ipdef.h, so a WSK reader recognises them.
#pragma warning disable CS1591 // Each constant is the header constant of the same name.

/// <summary>Address families, socket types, protocols, levels and options of <c>ws2def.h</c>, with Windows values.</summary>
public static class Ws2Def
{
    public const ushort AF_UNSPEC = 0;
    public const ushort AF_INET = 2;
    public const ushort AF_INET6 = 23;

    public const ushort SOCK_STREAM = 1;
    public const ushort SOCK_DGRAM = 2;

    public const uint IPPROTO_TCP = 6;
    public const uint IPPROTO_UDP = 17;
    public const uint IPPROTO_IPV6 = 41;

    public const uint SOL_SOCKET = 0xFFFF;

    public const uint SO_REUSEADDR = 0x4;
    public const uint SO_KEEPALIVE = 0x8;
    public const uint SO_SNDBUF = 0x1001;
    public const uint SO_RCVBUF = 0x1002;
    public const uint SO_WSK_EVENT_CALLBACK = 0x4002;

    public const uint TCP_NODELAY = 1;
    public const uint TCP_KEEPALIVE = 3;
    public const uint TCP_MAXSEG = 4;
    public const uint TCP_FASTOPEN = 15;
    public const uint TCP_KEEPCNT = 16;
    public const uint TCP_KEEPINTVL = 17;

    /// <summary>Size of <c>SOCKADDR_IN</c>.</summary>
    public const int SOCKADDR_IN_SIZE = 16;

    /// <summary>Size of <c>SOCKADDR_IN6</c>.</summary>
    public const int SOCKADDR_IN6_SIZE = 28;

    /// <summary>Size of <c>SOCKADDR_STORAGE</c>.</summary>
    public const int SOCKADDR_STORAGE_SIZE = 128;
}

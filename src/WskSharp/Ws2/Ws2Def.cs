namespace WskSharp.Ws2;

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

    public const uint IPPROTO_IP = 0;
    public const uint IPPROTO_TCP = 6;
    public const uint IPPROTO_UDP = 17;
    public const uint IPPROTO_IPV6 = 41;

    public const uint SOL_SOCKET = 0xFFFF;

    public const uint SO_REUSEADDR = 0x4;
    public const uint SO_KEEPALIVE = 0x8;
    public const uint SO_BROADCAST = 0x20;
    public const uint SO_SNDBUF = 0x1001;
    public const uint SO_RCVBUF = 0x1002;
    public const uint SO_WSK_EVENT_CALLBACK = 0x4002;
    public const uint SO_CONDITIONAL_ACCEPT = 0x3002;

    /// <summary><c>((int)(~SO_REUSEADDR))</c>.</summary>
    public const uint SO_EXCLUSIVEADDRUSE = 0xFFFFFFFB;

    public const uint IP_TTL = 4;
    public const uint IPV6_UNICAST_HOPS = 4;
    public const uint IPV6_V6ONLY = 27;

    // IPPROTO_IP / IPPROTO_IPV6 options (ws2ipdef.h): ask for the datagram's destination address and interface.
    public const uint IP_PKTINFO = 19;
    public const uint IPV6_PKTINFO = 19;

    // recvmsg flags (ws2def.h) a datagram receive reports in its ControlFlags.
    public const uint MSG_TRUNC = 0x0100;
    public const uint MSG_CTRUNC = 0x0200;
    public const uint MSG_BCAST = 0x0400;
    public const uint MSG_MCAST = 0x0800;

    public const uint TCP_NODELAY = 1;
    public const uint TCP_KEEPALIVE = 3;

    /// <summary>ws2ipdef.h defines it as <see cref="TCP_KEEPALIVE"/>: seconds idle before the first probe.</summary>
    public const uint TCP_KEEPIDLE = 3;
    public const uint TCP_MAXSEG = 4;
    public const uint TCP_FASTOPEN = 15;
    public const uint TCP_KEEPCNT = 16;
    public const uint TCP_KEEPINTVL = 17;

    // ADDRINFOEXW flags (ai_flags), name spaces and GetNameInfo flags (ws2def.h / ws2tcpip.h).
    public const int AI_PASSIVE = 0x01;
    public const int AI_CANONNAME = 0x02;
    public const int AI_NUMERICHOST = 0x04;
    public const int AI_NUMERICSERV = 0x08;
    public const int AI_ALL = 0x0100;
    public const int AI_ADDRCONFIG = 0x0400;
    public const int AI_V4MAPPED = 0x0800;

    public const uint NS_ALL = 0;
    public const uint NS_DNS = 12;

    public const uint NI_NOFQDN = 0x01;
    public const uint NI_NUMERICHOST = 0x02;
    public const uint NI_NAMEREQD = 0x04;
    public const uint NI_NUMERICSERV = 0x08;
    public const uint NI_DGRAM = 0x10;

    /// <summary>Size of <c>SOCKADDR_IN</c>.</summary>
    public const int SOCKADDR_IN_SIZE = 16;

    /// <summary>Size of <c>SOCKADDR_IN6</c>.</summary>
    public const int SOCKADDR_IN6_SIZE = 28;

    /// <summary>Size of <c>SOCKADDR_STORAGE</c>.</summary>
    public const int SOCKADDR_STORAGE_SIZE = 128;
}

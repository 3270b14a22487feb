using WskSharp.Ws2;

namespace WskSharp.Transport.Linux;

/// <summary>The one table from neutral socket options to Linux's levels and names, for stream and datagram sockets, and
/// the one place where a buffer size read back is given in the unit it was set in.</summary>
internal static class LinuxSocketOptions
{
    /// <summary>Linux's level and name for <paramref name="option"/> on a socket of <paramref name="family"/> (0 when the
    /// socket does not know it: a stream socket, which takes no packet information); false if Linux has none.</summary>
    public static bool TryMap(HostSocketOption option, ushort family, out int level, out int name)
    {
        (level, name) = option switch
        {
            HostSocketOption.ReuseAddress => (Interop.SOL_SOCKET, Interop.SO_REUSEADDR),
            HostSocketOption.KeepAlive => (Interop.SOL_SOCKET, Interop.SO_KEEPALIVE),
            HostSocketOption.ReceiveBuffer => (Interop.SOL_SOCKET, Interop.SO_RCVBUF),
            HostSocketOption.SendBuffer => (Interop.SOL_SOCKET, Interop.SO_SNDBUF),
            HostSocketOption.KeepAliveIdle => (Interop.IPPROTO_TCP, Interop.TCP_KEEPIDLE),
            HostSocketOption.KeepAliveInterval => (Interop.IPPROTO_TCP, Interop.TCP_KEEPINTVL),
            HostSocketOption.KeepAliveCount => (Interop.IPPROTO_TCP, Interop.TCP_KEEPCNT),
            HostSocketOption.NoDelay => (Interop.IPPROTO_TCP, Interop.TCP_NODELAY),
            HostSocketOption.Ipv6Only => (Interop.IPPROTO_IPV6, Interop.IPV6_V6ONLY),
            HostSocketOption.IpTimeToLive => (Interop.IPPROTO_IP, Interop.IP_TTL),
            HostSocketOption.Ipv6UnicastHops => (Interop.IPPROTO_IPV6, Interop.IPV6_UNICAST_HOPS),
            HostSocketOption.Broadcast => (Interop.SOL_SOCKET, Interop.SO_BROADCAST),
            HostSocketOption.PacketInfo when family == Ws2Def.AF_INET6 => (Interop.IPPROTO_IPV6, Interop.IPV6_RECVPKTINFO),
            HostSocketOption.PacketInfo when family == Ws2Def.AF_INET => (Interop.IPPROTO_IP, Interop.IP_PKTINFO),
            _ => (-1, -1),
        };
        return level >= 0;
    }

    /// <summary>A value read from Linux in the option's own unit: Linux doubles a buffer size it is given, for its
    /// bookkeeping, and reports the doubled size; Windows reports the size as set. Half of what Linux keeps is what was
    /// asked for (or what the host's maximum cut it to).</summary>
    public static int FromHost(HostSocketOption option, int value) =>
        option is HostSocketOption.ReceiveBuffer or HostSocketOption.SendBuffer ? value / 2 : value;
}

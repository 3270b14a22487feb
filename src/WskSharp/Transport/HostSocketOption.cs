namespace WskSharp.Transport;

/// <summary>
/// A socket option as every host stack understands it, in neutral terms, for stream and datagram sockets alike: each
/// transport maps it to its own level and name in one place. Values are plain integers: booleans are 0 or 1, buffer sizes
/// are bytes (as set, not as the host's bookkeeping doubles them), times are seconds. A socket refuses an option its kind
/// has not (STATUS_NOT_SUPPORTED, or the host's own refusal).
/// </summary>
internal enum HostSocketOption
{
    /// <summary>Lets the bind share an address and port other sockets use (SO_REUSEADDR).</summary>
    ReuseAddress,

    /// <summary>Sends keepalive probes on an idle connection (SO_KEEPALIVE).</summary>
    KeepAlive,

    /// <summary>Seconds of idleness before the first keepalive probe (TCP_KEEPIDLE).</summary>
    KeepAliveIdle,

    /// <summary>Seconds between keepalive probes (TCP_KEEPINTVL).</summary>
    KeepAliveInterval,

    /// <summary>Unanswered probes before the connection is dropped (TCP_KEEPCNT).</summary>
    KeepAliveCount,

    /// <summary>The receive buffer, in bytes (SO_RCVBUF).</summary>
    ReceiveBuffer,

    /// <summary>The send buffer, in bytes (SO_SNDBUF).</summary>
    SendBuffer,

    /// <summary>Nagle off (TCP_NODELAY).</summary>
    NoDelay,

    /// <summary>An IPv6 socket that takes IPv6 only: no IPv4 peers through mapped addresses (IPV6_V6ONLY).</summary>
    Ipv6Only,

    /// <summary>The time to live of IPv4 packets (IP_TTL).</summary>
    IpTimeToLive,

    /// <summary>The hop limit of IPv6 unicast packets (IPV6_UNICAST_HOPS).</summary>
    Ipv6UnicastHops,

    /// <summary>Datagram sockets: sends to a broadcast address are allowed (SO_BROADCAST).</summary>
    Broadcast,

    /// <summary>Datagram sockets: each received datagram reports its destination address and interface (IP_PKTINFO /
    /// IPV6_RECVPKTINFO, by the socket's family).</summary>
    PacketInfo,
}

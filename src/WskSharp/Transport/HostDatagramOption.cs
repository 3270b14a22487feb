namespace WskSharp.Transport;

/// <summary>The datagram socket options the engine sets on a host socket, named for what they do, not for a host's numbers.</summary>
internal enum HostDatagramOption
{
    /// <summary>Sends to a broadcast address are allowed (SO_BROADCAST).</summary>
    Broadcast,

    /// <summary>Each received datagram reports its destination address and interface (IP_PKTINFO / IPV6_RECVPKTINFO).</summary>
    PacketInfo,

    /// <summary>The receive buffer size (SO_RCVBUF).</summary>
    ReceiveBuffer,

    /// <summary>The send buffer size (SO_SNDBUF).</summary>
    SendBuffer,
}

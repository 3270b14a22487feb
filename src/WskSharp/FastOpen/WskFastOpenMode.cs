namespace WskSharp.FastOpen;

/// <summary>How a provider uses TCP Fast Open for WskConnectEx calls whose socket has TCP_FASTOPEN set.</summary>
public enum WskFastOpenMode
{
    /// <summary>Remember each destination's path: after a SYN carrying data was lost (the kernel's "SYN retransmitted"),
    /// or after repeated "not acknowledged", send the buffer after the handshake to that destination for a backoff period
    /// that grows on repeated failure; then one connection probes with SYN data again. The default.</summary>
    Adaptive = 0,

    /// <summary>Always put the buffer in the SYN when the socket asks for it (the kernel's own behaviour: a path that drops
    /// SYN data costs its fallback, about a second, on every connection).</summary>
    Always = 1,

    /// <summary>Never use Fast Open, whatever the socket option says: the buffer always follows the handshake.</summary>
    Off = 2,
}

namespace WskSharp.Transport.Simulated;

/// <summary>The faults a <see cref="SimulatedNetwork"/> can inject, each at its own decision point.</summary>
internal enum SimulatedFault
{
    /// <summary>An RST answers the SYN though a listener exists: the connect fails with STATUS_CONNECTION_REFUSED.</summary>
    Refuse,

    /// <summary>Every SYN is lost until the connect gives up (virtual time): STATUS_IO_TIMEOUT.</summary>
    SynTimeout,

    /// <summary>The handshake completes on the client, then an RST arrives before any data: the server never sees the
    /// connection.</summary>
    ResetAfterHandshake,

    /// <summary>An RST cuts the connection after a random number of delivered bytes (either direction).</summary>
    ResetInTransfer,

    /// <summary>A send takes fewer bytes than it was given, though there is room.</summary>
    PartialSend,

    /// <summary>A send or receive says "not now" (EAGAIN) several times in a row though it could go on; readiness follows.</summary>
    EagainStorm,

    /// <summary>The host has no memory (ENOMEM): socket creation, accept or send fails with STATUS_INSUFFICIENT_RESOURCES.</summary>
    OutOfMemory,

    /// <summary>The process has no descriptor left (EMFILE): socket creation or accept fails with STATUS_TOO_MANY_OPENED_FILES.</summary>
    TooManyFiles,

    /// <summary>The host socket stops working (ECONNABORTED on every call, the peer gets an RST).</summary>
    SocketBreaks,

    /// <summary>A receive with data waiting throws (a bug in a host stack, or in the engine's use of it): the engine must
    /// complete what waits on the socket with a status and log it, never leave it for a later event.</summary>
    ReceiveThrows,

    /// <summary>A datagram is lost on the way (UDP gives no notice).</summary>
    DatagramLoss,

    /// <summary>A datagram arrives twice.</summary>
    DatagramDuplicate,

    /// <summary>A datagram is held back so that those sent after it overtake it.</summary>
    DatagramReorder,

    /// <summary>A datagram arrives cut short (a middlebox dropped its tail): the receiver sees the shorter datagram.</summary>
    DatagramTruncate,
}

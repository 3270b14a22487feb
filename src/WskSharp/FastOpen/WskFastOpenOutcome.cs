namespace WskSharp.FastOpen;

/// <summary>What one Fast Open attempt to a destination saw, as the adaptive memory records it.</summary>
public enum WskFastOpenOutcome : byte
{
    /// <summary>Nothing recorded.</summary>
    None = 0,

    /// <summary>No cookie was cached: the SYN asked for one.</summary>
    CookieRequested = 1,

    /// <summary>The SYN carried data and the server acknowledged it.</summary>
    SynDataAcknowledged = 2,

    /// <summary>The SYN carried data the server did not acknowledge (it was sent again after the handshake).</summary>
    SynDataNotAcknowledged = 3,

    /// <summary>The SYN carrying data was lost and the kernel fell back to a plain SYN: the path drops SYN data.</summary>
    SynRetransmitted = 4,

    /// <summary>The connect itself failed (refused, unreachable, ...): nothing learnt of the path.</summary>
    ConnectFailed = 5,
}

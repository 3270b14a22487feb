namespace WskSharp.Transport.Simulated;

/// <summary>How a <see cref="SimulatedNetwork"/> behaves: its seed, its latency, its buffers and its faults.</summary>
internal sealed record SimulatedNetworkOptions
{
    /// <summary>The seed of every random choice (delays, faults, ephemeral ports are not random).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The shortest one-way delay of a segment (virtual time).</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMicroseconds(20);

    /// <summary>The longest one-way delay; segments of one direction keep their order, those of different sockets
    /// (and so the completions they cause) may overtake one another.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMicroseconds(400);

    /// <summary>Each socket's receive buffer: what a sender may have unread at the peer plus in flight.</summary>
    public int ReceiveBufferSize { get; init; } = 64 * 1024;

    /// <summary>The most sockets open at once; one more is EMFILE (STATUS_TOO_MANY_OPENED_FILES).</summary>
    public int SocketLimit { get; init; } = 65_536;

    /// <summary>Whether clients use Fast Open (<c>sendto(MSG_FASTOPEN)</c>) at all.</summary>
    public bool FastOpenClient { get; init; } = true;

    /// <summary>The most data a SYN carries (one MSS).</summary>
    public int SynDataLimit { get; init; } = 1460;

    /// <summary>ResetInTransfer cuts a connection after 0 to this many delivered bytes.</summary>
    public int ResetWindow { get; init; } = 256 * 1024;

    /// <summary>An EagainStorm is 1 to this many "not now" answers in a row.</summary>
    public int StormLength { get; init; } = 8;

    /// <summary>The host's addresses besides loopback (127.0.0.0/8 and ::1): what sockets may bind to. A SYN to an address
    /// no host has is never answered (the connect times out).</summary>
    public IReadOnlyList<System.Net.IPAddress> HostAddresses { get; init; } = [];

    /// <summary>Record what happens on the wire in <see cref="SimulatedNetwork.Trace"/>.</summary>
    public bool Trace { get; init; }

    /// <summary>The faults and how often they fire.</summary>
    public SimulatedFaultPlan Faults { get; init; } = SimulatedFaultPlan.None;
}

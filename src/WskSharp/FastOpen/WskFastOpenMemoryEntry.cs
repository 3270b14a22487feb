using WskSharp.Ws2;

namespace WskSharp.FastOpen;

/// <summary>One destination in a provider's adaptive Fast Open memory (read through the WSK layer's <c>WskFastOpenMemory</c>).</summary>
/// <param name="Destination">The remote address and port.</param>
/// <param name="LastOutcome">What the last Fast Open attempt saw.</param>
/// <param name="Failures">Consecutive failures (each doubles the backoff).</param>
/// <param name="NotAcknowledged">Consecutive "not acknowledged" outcomes (two start a backoff).</param>
/// <param name="BackoffUntil">Until when SYN data is held back from this destination, or null.</param>
/// <param name="Probing">True while one connection probes the path after a backoff.</param>
public sealed record WskFastOpenMemoryEntry(SockAddr Destination, WskFastOpenOutcome LastOutcome, int Failures, int NotAcknowledged,
    DateTimeOffset? BackoffUntil, bool Probing);

namespace WskSharp.Transport;

/// <summary>
/// What <see cref="HostStacks.Open"/> needs to make the default host stack, in the transport's own terms (the WSK layer
/// translates its registration options into this; the transport knows nothing of them).
/// </summary>
internal sealed record HostStackOptions
{
    /// <summary>The Linux network namespace the stack's sockets live in (as <c>ip netns</c> names it, or a path to its
    /// file); null is the process's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>How many event loops the stack's sockets are spread over (at least 1; the caller has checked the range).</summary>
    public int EventLoopCount { get; init; } = 1;
}

namespace WskSharp.Wsk;

/// <summary>WskSharp's own settings for a registration (Windows has one provider; a user-mode process may want several).</summary>
public sealed record WskProviderOptions
{
    /// <summary>
    /// Create every socket of this registration inside the named Linux network namespace (as <c>ip netns</c> names
    /// it, or a path to its file). Needs CAP_SYS_ADMIN (root). Null, the default, is the process's own namespace.
    /// </summary>
    public string? NetworkNamespace { get; init; }
}

namespace WskSharp.Net;

/// <summary>How <see cref="WskListener.Start(System.Net.IPEndPoint, WskListenerOptions?)"/> listens.</summary>
public sealed record WskListenerOptions
{
    /// <summary>The options every call uses when given none.</summary>
    public static WskListenerOptions Default { get; } = new();

    /// <summary>Turn on the kernel's Fast Open server queue (<c>WskControlSocket(TCP_FASTOPEN)</c>), so data that rides in a
    /// client's SYN is accepted (the namespace's <c>net.ipv4.tcp_fastopen</c> must have the server bit, 0x2). On by default.</summary>
    public bool FastOpen { get; init; } = true;

    /// <summary>The length of the Fast Open queue: connections whose SYN data was accepted but that are not yet accepted by
    /// <see cref="WskListener.AcceptAsync"/>. 1 to 65,535 (the WSK layer reads 1 as "on, with its default queue"); the default is 256.</summary>
    public int FastOpenQueueLength { get; init; } = 256;

    /// <summary>Listen inside this Linux network namespace (needs root); null is the provider's (usually the process's own).</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The WSK registration to use; null is <see cref="WskNetProvider.Default"/>.</summary>
    public WskNetProvider? Provider { get; init; }
}

using System.Net;

namespace WskSharp.Net;

/// <summary>How <see cref="WskConnection.ConnectAsync(EndPoint, ReadOnlyMemory{byte}, WskConnectOptions?, CancellationToken)"/>
/// connects. The defaults are right for most callers: Fast Open on, the process's own network namespace, any local port.</summary>
public sealed record WskConnectOptions
{
    /// <summary>The options every call uses when given none.</summary>
    public static WskConnectOptions Default { get; } = new();

    /// <summary>
    /// Turn on TCP Fast Open for the connection (<c>WskControlSocket(TCP_FASTOPEN)</c> before <c>WskConnectEx</c>), so the
    /// initial data rides in the SYN once the kernel holds a cookie for the server. On by default; it changes nothing
    /// when there is no initial data.
    /// </summary>
    public bool FastOpen { get; init; } = true;

    /// <summary>Turn off Nagle's algorithm (<c>TCP_NODELAY</c>) for the connection. Off by default.</summary>
    public bool NoDelay { get; init; }

    /// <summary>
    /// Create the socket inside this Linux network namespace (as <c>ip netns</c> names it, or a path to its file); needs
    /// root. Null, the default, is the namespace of the <see cref="Provider"/>'s options (usually the process's own). The
    /// provider keeps one WSK registration per namespace it is asked for until it is disposed, so for a short-lived
    /// namespace use a provider of your own and dispose it with the namespace.
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The local address (and port, 0 for any) to bind to before connecting; null binds the wildcard address
    /// of the remote end's family to any port.</summary>
    public IPEndPoint? LocalEndPoint { get; init; }

    /// <summary>The WSK registration to use; null is <see cref="WskNetProvider.Default"/>.</summary>
    public WskNetProvider? Provider { get; init; }
}

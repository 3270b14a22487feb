using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace WskSharp.AspNetCore;

/// <summary>Whether a request arrived in its connection's SYN: the server's side of the Fast Open story, read from the
/// kernel (<c>TCP_INFO</c>: <c>TCPI_OPT_SYN_DATA</c>) on the socket Kestrel accepted.</summary>
public static class WskFastOpenFeatureExtensions
{
    /// <summary>
    /// True when the kernel accepted data in this connection's SYN (Fast Open: the first request arrived with the SYN);
    /// false when it did not; null where it cannot be known (not Kestrel's socket transport, not a TCP socket, not Linux).
    /// </summary>
    public static bool? SynDataAccepted(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket ? LinuxTcp.SynData(socket) : null;
    }

    /// <inheritdoc cref="SynDataAccepted(HttpContext)"/>
    public static bool? SynDataAccepted(this BaseConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket ? LinuxTcp.SynData(socket) : null;
    }
}

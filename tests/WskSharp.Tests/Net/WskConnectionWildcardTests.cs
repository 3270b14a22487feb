using System.Net;
using System.Net.Sockets;
using WskSharp.Net;
using WskSharp.Ws2;

namespace WskSharp.Tests.Net;

/// <summary>The wildcard rule of the .NET face is the WSK layer's (one rule, in <c>SockAddr</c>): every spelling of "any
/// address" is an <see cref="ArgumentException"/> before any WSK call, even with a listener on the port that a connect to
/// it would reach.</summary>
public sealed class WskConnectionWildcardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("::ffff:0.0.0.0")] // IPv4's wildcard mapped into IPv6: Linux connects it to a local listener.
    [InlineData("::%3")]           // IPv6's wildcard with a scope id.
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public async Task Every_spelling_of_the_wildcard_address_is_an_ArgumentException(string address)
    {
        using var listener = new TcpListener(IPAddress.IPv6Any, 0) { Server = { DualMode = true } };
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var provider = new WskNetProvider();
        var options = new WskConnectOptions { Provider = provider };

        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await using WskConnection connection = await WskConnection.ConnectAsync(new IPEndPoint(IPAddress.Parse(address), port), options: options, cancellationToken: Ct);
        });
        Assert.False(listener.Pending()); // Nothing reached the listener.
    }
}

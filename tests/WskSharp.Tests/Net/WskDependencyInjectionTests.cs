using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WskSharp.AspNetCore;
using WskSharp.DependencyInjection;
using WskSharp.FastOpen;
using WskSharp.Net;
using WskSharp.Wsk;

namespace WskSharp.Tests.Net;

/// <summary>
/// <c>services.AddWsk(...)</c>: one <see cref="WskNetProvider"/> per container, from <see cref="WskOptions"/> through the
/// options pattern, logging to the container's <see cref="ILoggerFactory"/>, disposed with the container; IHttpClientFactory
/// clients with <c>UseWskConnectEx()</c> connect through it.
/// </summary>
public sealed class WskDependencyInjectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void WskOptions_carries_every_public_setting_of_WskProviderOptions_through_to_the_provider()
    {
        // The container's logger factory and clock replace those two; every other setting must be settable here.
        string[] provider = [.. typeof(WskProviderOptions).GetProperties().Where(p => p.SetMethod?.IsPublic == true)
            .Select(p => p.Name).Except([nameof(WskProviderOptions.LoggerFactory), nameof(WskProviderOptions.TimeProvider)]).Order()];
        string[] mirror = [.. typeof(WskOptions).GetProperties().Where(p => p.SetMethod?.IsPublic == true).Select(p => p.Name).Order()];
        Assert.Equal(provider, mirror);

        var options = new WskOptions { EventLoopWatchdogThreshold = TimeSpan.FromMilliseconds(7), FastOpenMemoryFile = "/x" };
        WskProviderOptions converted = options.ToProviderOptions(null, null);
        Assert.Equal(TimeSpan.FromMilliseconds(7), converted.EventLoopWatchdogThreshold);
        Assert.Equal("/x", converted.FastOpenMemoryFile);
        Assert.Equal(new WskProviderOptions().FastOpenBackoffMaximum, converted.FastOpenBackoffMaximum);
    }

    [Fact]
    public void One_provider_per_container_made_from_the_options_with_the_container_s_logger_factory()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddWsk(o => o.FastOpenMode = WskFastOpenMode.Always);
        services.Configure<WskOptions>(o => o.FastOpenMemoryCapacity = 7); // the options pattern: configuration composes
        services.AddWsk(); // a second call adds no second provider

        using ServiceProvider container = services.BuildServiceProvider();
        using ServiceProvider other = services.BuildServiceProvider();
        WskNetProvider provider = container.GetRequiredService<WskNetProvider>();

        Assert.Same(provider, container.GetRequiredService<WskNetProvider>());
        Assert.Single(services, d => d.ServiceType == typeof(WskNetProvider));
        Assert.NotSame(provider, other.GetRequiredService<WskNetProvider>());
        Assert.Equal(WskFastOpenMode.Always, provider.Options.FastOpenMode);
        Assert.Equal(7, provider.Options.FastOpenMemoryCapacity);
        Assert.Equal(new WskProviderOptions().FastOpenBackoffMinimum, provider.Options.FastOpenBackoffMinimum);
        Assert.Same(container.GetRequiredService<ILoggerFactory>(), provider.Options.LoggerFactory);
        Assert.NotSame(WskNetProvider.Default, provider);
    }

    [Fact]
    public async Task Disposing_the_container_closes_what_its_provider_opened_and_disposes_the_provider()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        ServiceProvider container = new ServiceCollection().AddWsk().BuildServiceProvider();
        WskNetProvider provider = container.GetRequiredService<WskNetProvider>();
        var options = new WskConnectOptions { Provider = provider };
        WskConnection connection = await WskConnection.ConnectAsync(listener.LocalEndpoint, "x"u8.ToArray(), options, Ct);
        using Socket peer = await listener.AcceptSocketAsync(Ct);
        Assert.Equal(1, provider.OpenCount);

        await container.DisposeAsync();

        Assert.Equal(0, provider.OpenCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await WskConnection.ConnectAsync(listener.LocalEndpoint, "y"u8.ToArray(), options, Ct));
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task An_HttpClient_with_UseWskConnectEx_connects_through_the_container_s_provider()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        Task serve = ServeOneResponseAsync(server);
        var services = new ServiceCollection();
        services.AddHttpClient("wsk").UseWskConnectEx();
        ServiceProvider container = services.BuildServiceProvider();
        WskNetProvider provider = container.GetRequiredService<WskNetProvider>();
        HttpClient client = container.GetRequiredService<IHttpClientFactory>().CreateClient("wsk");

        string body = await client.GetStringAsync(new Uri($"http://{server.LocalEndpoint}/"), Ct);

        Assert.Equal("ok", body);
        Assert.Equal(1, provider.OpenCount); // the pooled keep-alive connection is the container's provider's
        await container.DisposeAsync();
        Assert.Equal(0, provider.OpenCount);
        await serve;
    }

    /// <summary>Answers one HTTP request with a keep-alive 200 "ok", then waits for the client to close.</summary>
    private static async Task ServeOneResponseAsync(TcpListener server)
    {
        using Socket peer = await server.AcceptSocketAsync(Ct);
        byte[] buffer = new byte[4096];
        int n = 0;
        while (!Encoding.ASCII.GetString(buffer, 0, n).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int got = await peer.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, Ct);
            if (got == 0)
            {
                return;
            }

            n += got;
        }

        await peer.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), SocketFlags.None, Ct);
        while (await peer.ReceiveAsync(buffer, SocketFlags.None, Ct) > 0)
        {
        }
    }
}

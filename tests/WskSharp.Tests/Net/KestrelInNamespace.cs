using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WskSharp.AspNetCore;
using WskSharp.Lab;

namespace WskSharp.Tests.Net;

/// <summary>
/// A Kestrel server listening on 127.0.0.1 inside a network namespace: its listening socket is made by a thread that has
/// entered the namespace (CreateBoundListenSocket), then, with <c>fastOpen</c>, <see cref="WskKestrelExtensions.UseWskFastOpen(SocketTransportOptions, int)"/>
/// turns on its Fast Open queue (through <see cref="WskKestrelExtensions.UseWskFastOpen(IWebHostBuilder, int)"/>). Every response says whether the kernel accepted data in that connection's SYN
/// (header <c>X-Syn-Data</c>, from <see cref="WskFastOpenFeatureExtensions.SynDataAccepted(HttpContext)"/>).
/// </summary>
internal sealed class KestrelInNamespace : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelInNamespace(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<KestrelInNamespace> StartAsync(NetworkNamespace ns, bool fastOpen)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseSockets(options =>
            options.CreateBoundListenSocket = endPoint => ns.RunInside(() => SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint)));
        if (fastOpen)
        {
            builder.WebHost.UseWskFastOpen(); // wraps the namespace's socket maker above: the socket is made there, then gets the queue
        }
        WebApplication app = builder.Build();
        app.Run(async context =>
        {
            bool? synData = context.SynDataAccepted();
            context.Response.Headers["X-Syn-Data"] = synData is null ? "unknown" : synData.Value ? "yes" : "no";
            await context.Response.WriteAsync($"hello from Kestrel, {context.Request.Method} {context.Request.Path}");
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new KestrelInNamespace(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

using Microsoft.Extensions.DependencyInjection;
using WskSharp.DependencyInjection;
using WskSharp.Net;

namespace WskSharp.AspNetCore;

/// <summary>IHttpClientFactory clients whose connections are WSK connections: each new connection's first request rides in
/// its SYN once the kernel holds a Fast Open cookie for the server (see <see cref="WskHttp"/>).</summary>
public static class WskHttpClientBuilderExtensions
{
    /// <summary>
    /// Makes <see cref="WskHttp.CreateHandler"/> the client's primary handler, its connections made through the container's
    /// <see cref="WskNetProvider"/> (<see cref="WskServiceCollectionExtensions.AddWsk"/>, added here if it was not), unless
    /// <paramref name="options"/> names a provider of its own.
    /// </summary>
    /// <param name="builder">The client's builder (from <c>services.AddHttpClient(...)</c>).</param>
    /// <param name="options">How connections are made (Fast Open is on by default); null for the defaults.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHttpClientBuilder UseWskConnectEx(this IHttpClientBuilder builder, WskConnectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddWsk();
        return builder.ConfigurePrimaryHttpMessageHandler(services =>
        {
            WskConnectOptions effective = options ?? WskConnectOptions.Default;
            return WskHttp.CreateHandler(effective.Provider is null
                ? effective with { Provider = services.GetRequiredService<WskNetProvider>() }
                : effective);
        });
    }
}

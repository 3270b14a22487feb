using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WskSharp.Net;

namespace WskSharp.DependencyInjection;

/// <summary>WskSharp in a host's container: <c>services.AddWsk(options => ...)</c>.</summary>
public static class WskServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="WskNetProvider"/> per container (a singleton: one WSK registration per network namespace for
    /// the whole app), made from <see cref="WskOptions"/> (through <see cref="IOptions{TOptions}"/>) with the container's
    /// <see cref="ILoggerFactory"/> and <see cref="TimeProvider"/> when it has them, and disposed with the container
    /// (which closes what it still has open and deregisters). Calling it again only adds <paramref name="configure"/>.
    /// Use the provider in <see cref="WskConnectOptions.Provider"/>; <c>AddHttpClient(...).UseWskConnectEx()</c>
    /// (WskSharp.AspNetCore) does.
    /// </summary>
    /// <param name="services">The container's services.</param>
    /// <param name="configure">Sets <see cref="WskOptions"/>; null keeps the defaults (or what configuration set).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddWsk(this IServiceCollection services, Action<WskOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        // A factory registration: the container owns what it made, so disposing the container disposes the provider.
        services.TryAddSingleton(static sp => new WskNetProvider(sp.GetRequiredService<IOptions<WskOptions>>().Value
            .ToProviderOptions(sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>())));
        return services;
    }
}

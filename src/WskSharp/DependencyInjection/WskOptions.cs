using WskSharp.FastOpen;
using WskSharp.Wsk;

namespace WskSharp.DependencyInjection;

/// <summary>
/// The settings of the <see cref="Net.WskNetProvider"/> that <see cref="WskServiceCollectionExtensions.AddWsk"/> puts in a
/// container, set through the options pattern (<c>services.AddWsk(o => o.FastOpenMode = ...)</c>, or
/// <c>services.Configure&lt;WskOptions&gt;(...)</c> from configuration). The defaults are <see cref="WskProviderOptions"/>'s.
/// The logger factory is the container's <c>ILoggerFactory</c> and the clock its <see cref="System.TimeProvider"/>, when it has them.
/// </summary>
public sealed class WskOptions
{
    private static readonly WskProviderOptions Defaults = new();

    /// <inheritdoc cref="WskProviderOptions.FastOpenMode"/>
    public WskFastOpenMode FastOpenMode { get; set; } = Defaults.FastOpenMode;

    /// <inheritdoc cref="WskProviderOptions.FastOpenBackoffMinimum"/>
    public TimeSpan FastOpenBackoffMinimum { get; set; } = Defaults.FastOpenBackoffMinimum;

    /// <inheritdoc cref="WskProviderOptions.FastOpenBackoffMaximum"/>
    public TimeSpan FastOpenBackoffMaximum { get; set; } = Defaults.FastOpenBackoffMaximum;

    /// <inheritdoc cref="WskProviderOptions.FastOpenMemoryCapacity"/>
    public int FastOpenMemoryCapacity { get; set; } = Defaults.FastOpenMemoryCapacity;

    /// <inheritdoc cref="WskProviderOptions.FastOpenMemoryFile"/>
    public string? FastOpenMemoryFile { get; set; } = Defaults.FastOpenMemoryFile;

    /// <inheritdoc cref="WskProviderOptions.CompleteOnEventLoop"/>
    public bool CompleteOnEventLoop { get; set; } = Defaults.CompleteOnEventLoop;

    /// <inheritdoc cref="WskProviderOptions.EventLoopWatchdogThreshold"/>
    public TimeSpan EventLoopWatchdogThreshold { get; set; } = Defaults.EventLoopWatchdogThreshold;

    /// <inheritdoc cref="WskProviderOptions.EventLoopCount"/>
    public int EventLoopCount { get; set; } = Defaults.EventLoopCount;

    /// <inheritdoc cref="WskProviderOptions.NetworkNamespace"/>
    public string? NetworkNamespace { get; set; } = Defaults.NetworkNamespace;

    /// <summary>These settings as the provider's options, logging to <paramref name="loggerFactory"/> on <paramref name="timeProvider"/>'s clock.</summary>
    internal WskProviderOptions ToProviderOptions(Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory, TimeProvider? timeProvider) => new()
    {
        FastOpenMode = FastOpenMode,
        FastOpenBackoffMinimum = FastOpenBackoffMinimum,
        FastOpenBackoffMaximum = FastOpenBackoffMaximum,
        FastOpenMemoryCapacity = FastOpenMemoryCapacity,
        FastOpenMemoryFile = FastOpenMemoryFile,
        CompleteOnEventLoop = CompleteOnEventLoop,
        EventLoopWatchdogThreshold = EventLoopWatchdogThreshold,
        EventLoopCount = EventLoopCount,
        NetworkNamespace = NetworkNamespace,
        LoggerFactory = loggerFactory,
        TimeProvider = timeProvider,
    };
}

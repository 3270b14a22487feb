using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WskSharp.FastOpen;
using WskSharp.Nt;

namespace WskSharp.Internal;

/// <summary>
/// What every socket of one registration shares: the adaptive Fast Open memory, where awaiting code resumes, the event
/// loop's watchdog and the logger. One object per registration, so a socket holds one reference for them instead of
/// four (a registration may hold 100,000 sockets).
/// </summary>
internal sealed class SocketEngineSettings(FastOpenMemory? memory, bool completeOnEventLoop, CompletionWatchdog? watchdog, ILogger? logger)
{
    /// <summary>The registration's Fast Open memory (null: none, every Fast Open connect tries SYN data).</summary>
    public FastOpenMemory? Memory { get; } = memory;

    /// <summary>Code awaiting the sockets' IRPs may resume on the event loop too, not only their completion routines
    /// (the WSK layer's <c>WskProviderOptions.CompleteOnEventLoop</c>).</summary>
    public bool CompleteOnEventLoop { get; } = completeOnEventLoop;

    /// <summary>Times the completions the event loop runs for the sockets (null: none).</summary>
    public CompletionWatchdog? Watchdog { get; } = watchdog;

    /// <summary>Where the sockets log what no caller can be told at once.</summary>
    public ILogger Logger { get; } = logger ?? NullLogger.Instance;
}

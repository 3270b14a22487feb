using Microsoft.Extensions.Logging;
using WskSharp.FastOpen;

namespace WskSharp.Wsk;

/// <summary>WskSharp's own settings for a registration (Windows has one provider; a user-mode process may want several).</summary>
public sealed record WskProviderOptions
{
    /// <summary>How Fast Open is used (default <see cref="WskFastOpenMode.Adaptive"/>).</summary>
    public WskFastOpenMode FastOpenMode { get; init; } = WskFastOpenMode.Adaptive;

    /// <summary>Adaptive mode: the first backoff after a destination's path dropped SYN data (default 5 minutes). Each
    /// further failure doubles it, up to <see cref="FastOpenBackoffMaximum"/>; each period gets ±10 % jitter.</summary>
    public TimeSpan FastOpenBackoffMinimum { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Adaptive mode: the longest backoff (default 1 day; at most <see cref="MaxFastOpenBackoff"/>).</summary>
    public TimeSpan FastOpenBackoffMaximum { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The longest backoff <see cref="FastOpenBackoffMaximum"/> may be (365 days): WskRegister refuses a longer one
    /// with STATUS_INVALID_PARAMETER.</summary>
    public static readonly TimeSpan MaxFastOpenBackoff = TimeSpan.FromDays(365);

    /// <summary>Adaptive mode: how many destinations are remembered (least recently used forgotten first; default 1024).</summary>
    public int FastOpenMemoryCapacity { get; init; } = 1024;

    /// <summary>
    /// Adaptive mode: a file that keeps the memory's backoffs across processes (null, the default: this process only).
    /// A new registration starts with the backoffs in it, each trusted at most <see cref="FastOpenBackoffMaximum"/> from
    /// now; every change is merged into it (safe with concurrent processes: a lock file beside it, the file replaced by a
    /// rename, the later update of a destination wins); at most <see cref="FastOpenMemoryCapacity"/> destinations. Lines
    /// that do not parse are ignored with a warning; a file that cannot be read or written leaves the memory per process.
    /// </summary>
    public string? FastOpenMemoryFile { get; init; }

    /// <summary>The clock of the Fast Open memory (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where WskSharp logs (state changes of the Fast Open memory, ...); null, the default, is silent.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Resume code awaiting an IRP (<c>await irp</c>, the .NET face's tasks) on the event loop too, right after the
    /// completion routine, instead of on the thread pool: one thread hand-off less per request, as Kestrel's
    /// <c>UnsafePreferInlineScheduling</c>. Off by default. Completion routines run on the event loop whatever this says
    /// (as a WSK provider completes IRPs at DISPATCH_LEVEL); with it on, awaiting code must not block or run long either:
    /// while it runs, no socket of the process makes progress. Calls made from it are fine (no provider lock is held).
    /// </summary>
    public bool CompleteOnEventLoop { get; init; }

    /// <summary>
    /// A completion routine (or, with <see cref="CompleteOnEventLoop"/>, awaiting code) that holds the event loop longer
    /// than this is logged as a warning through <see cref="LoggerFactory"/>, once per call site, naming it (default
    /// 100 ms; zero or negative turns the watchdog off).
    /// </summary>
    public TimeSpan EventLoopWatchdogThreshold { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How many epoll event loops (threads "WskSharp epoll 0", "WskSharp epoll 1", ...) this registration's sockets are
    /// spread over, round robin as they are created or accepted; each socket stays on its loop. 1 to
    /// <see cref="MaxEventLoopCount"/>, else WskRegister returns STATUS_INVALID_PARAMETER. A loop starts with its first
    /// socket and stops at WskDeregister. Ignored by a simulated stack. Default <see cref="DefaultEventLoopCount"/>: on a
    /// 2-core machine with the peer on the same host, a second loop cost 3-22 % more CPU per connection and never gave
    /// more connections per second (bench/README.md, P2 loops); more loops may pay where the client has cores to itself.
    /// </summary>
    public int EventLoopCount { get; init; } = DefaultEventLoopCount;

    /// <summary>The default <see cref="EventLoopCount"/>: 1.</summary>
    public const int DefaultEventLoopCount = 1;

    /// <summary>The most event loops a registration may have (64).</summary>
    public const int MaxEventLoopCount = 64;

    /// <summary>
    /// Create every socket of this registration inside the named Linux network namespace (as <c>ip netns</c> names
    /// it, or a path to its file). Needs CAP_SYS_ADMIN (root). Null, the default, is the process's own namespace.
    /// </summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The host stack to use instead of the Linux kernel's (the simulated network of the reliability tests);
    /// null, the default, is the kernel. Not combined with <see cref="NetworkNamespace"/>.</summary>
    internal Transport.IHostStack? HostStack { get; init; }
}

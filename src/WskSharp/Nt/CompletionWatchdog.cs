using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace WskSharp.Nt;

/// <summary>
/// The user-mode counterpart of a DISPATCH_LEVEL rule: a completion routine (or, where a registration opted in, awaiting
/// code) that holds an event loop longer than a threshold stalls every socket of that loop. The event loop times each
/// completion it runs; one over the threshold is logged once per call site, naming it.
/// </summary>
internal sealed class CompletionWatchdog
{
    /// <summary>From this threshold on, the coarse clock (<see cref="Environment.TickCount64"/>: a few ns a read, ticks of
    /// 1-4 ms) is precise enough; below it, <see cref="Stopwatch"/> (about 30 ns a read). The event loop reads the clock twice
    /// per completion it runs, so this is paid on every connection.</summary>
    private static readonly TimeSpan CoarseFrom = TimeSpan.FromMilliseconds(40);

    private readonly long _thresholdTicks;
    private readonly TimeSpan _threshold;
    private readonly bool _coarse;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<object, bool> _reported = new();

    public CompletionWatchdog(TimeSpan threshold, ILogger logger)
    {
        _threshold = threshold;
        _coarse = threshold >= CoarseFrom;
        _thresholdTicks = _coarse ? (long)threshold.TotalMilliseconds : (long)(threshold.TotalSeconds * Stopwatch.Frequency);
        _logger = logger;
    }

    /// <summary>Now, on the watchdog's clock: what <see cref="Observe"/> takes as the start of a completion.</summary>
    public long Now() => _coarse ? Environment.TickCount64 : Stopwatch.GetTimestamp();

    /// <summary>Call sites reported so far (a test reads it).</summary>
    public int Reported => _reported.Count;

    /// <summary>Checks one completion the event loop ran from <paramref name="startTimestamp"/> (<see cref="Now"/>) until now;
    /// returns now, the start of the next completion the loop runs.</summary>
    public long Observe(IoCompletionRoutine? routine, long startTimestamp)
    {
        long now = Now();
        long elapsed = now - startTimestamp;
        if (elapsed <= _thresholdTicks)
        {
            return now;
        }

        double elapsedMs = _coarse ? elapsed : elapsed * 1000.0 / Stopwatch.Frequency;

        // Keyed by the routine's method: a call site reported once costs nothing more when it is slow again.
        object key = routine is null ? _reported : routine.Method;
        if (_reported.TryAdd(key, true))
        {
            string site = routine is null
                ? "the completion of an IRP without a routine (its awaiting code, with CompleteOnEventLoop)"
                : $"completion routine {routine.Method.DeclaringType?.FullName}.{routine.Method.Name}";
            NtLog.CompletionHeld(_logger, site, elapsedMs, _threshold.TotalMilliseconds);
        }

        return Now(); // Logging took time of its own: the next completion starts after it.
    }

}

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
    private readonly long _thresholdTicks;
    private readonly TimeSpan _threshold;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<object, bool> _reported = new();

    public CompletionWatchdog(TimeSpan threshold, ILogger logger)
    {
        _threshold = threshold;
        _thresholdTicks = (long)(threshold.TotalSeconds * Stopwatch.Frequency);
        _logger = logger;
    }

    /// <summary>Call sites reported so far (a test reads it).</summary>
    public int Reported => _reported.Count;

    /// <summary>Checks one completion the event loop ran from <paramref name="startTimestamp"/> until now.</summary>
    public void Observe(IoCompletionRoutine? routine, long startTimestamp)
    {
        long elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        if (elapsed <= _thresholdTicks)
        {
            return;
        }

        // Keyed by the routine's method: a call site reported once costs nothing more when it is slow again.
        object key = routine is null ? _reported : routine.Method;
        if (_reported.TryAdd(key, true))
        {
            string site = routine is null
                ? "the completion of an IRP without a routine (its awaiting code, with CompleteOnEventLoop)"
                : $"completion routine {routine.Method.DeclaringType?.FullName}.{routine.Method.Name}";
            NtLog.CompletionHeld(_logger, site, elapsed * 1000.0 / Stopwatch.Frequency, _threshold.TotalMilliseconds);
        }
    }

}

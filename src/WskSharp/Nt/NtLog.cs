using Microsoft.Extensions.Logging;

namespace WskSharp.Nt;

/// <summary>
/// What the I/O primitives log (event ids 20-29). Nt/ knows no registration: whoever holds an IRP's request hands it the
/// registration's logger (<see cref="Irp.TryStart"/>), as the event loop hands its watchdog one.
/// </summary>
internal static partial class NtLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Warning,
        Message = "{Site} held the event loop {Milliseconds:F0} ms (threshold {Threshold:F0} ms): it must not block; every socket waits meanwhile (reported once per call site)")]
    public static partial void CompletionHeld(ILogger logger, string site, double milliseconds, double threshold);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error,
        Message = "IRP completion routine {Routine} threw; the IRP completed with {Status} and its awaiters resume")]
    public static partial void CompletionRoutineThrew(ILogger logger, string routine, NtStatus status, Exception exception);
}

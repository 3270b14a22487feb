using System.Diagnostics;
using WskSharp.Nt;
using WskSharp.Tests.Adaptive;

namespace WskSharp.Tests.Nt;

/// <summary>The watchdog reads a coarse clock for thresholds it can afford to (cheap on every completion) and the precise one
/// below: both must report a completion held past the threshold, once per call site, with its duration in milliseconds.</summary>
public sealed class CompletionWatchdogTests
{
    private static NtStatus Routine(Irp irp, object? context) => NtStatus.MoreProcessingRequired;

    [Theory]
    [InlineData(10)]  // precise clock (Stopwatch)
    [InlineData(100)] // coarse clock (Environment.TickCount64)
    public void A_completion_held_past_the_threshold_is_reported_once_with_its_duration(int thresholdMs)
    {
        var logger = new RecordingLogger();
        var watchdog = new CompletionWatchdog(TimeSpan.FromMilliseconds(thresholdMs), logger);

        // A start 2 s back on the watchdog's own clock: no sleeping, whichever clock it chose.
        long twoSeconds = thresholdMs >= 40 ? 2000 : 2 * Stopwatch.Frequency;
        watchdog.Observe(Routine, watchdog.Now() - twoSeconds);
        watchdog.Observe(Routine, watchdog.Now() - twoSeconds);

        (Microsoft.Extensions.Logging.LogLevel _, string message) = Assert.Single(logger.Entries);
        Assert.Contains(nameof(Routine), message, StringComparison.Ordinal);
        Assert.Matches(@"\b20\d\d(\.\d+)? ms", message); // about 2,000 ms, in milliseconds on both clocks
        Assert.Equal(1, watchdog.Reported);
    }

    [Fact]
    public void A_completion_within_the_threshold_is_not_reported()
    {
        var logger = new RecordingLogger();
        var watchdog = new CompletionWatchdog(TimeSpan.FromSeconds(30), logger);
        watchdog.Observe(Routine, watchdog.Now());
        Assert.Empty(logger.Entries);
    }
}

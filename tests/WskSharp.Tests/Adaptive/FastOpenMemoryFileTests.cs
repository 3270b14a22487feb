using Microsoft.Extensions.Logging;
using WskSharp.FastOpen;
using WskSharp.Internal;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Adaptive;

/// <summary>
/// The adaptive Fast Open memory kept in a file (<see cref="WskProviderOptions.FastOpenMemoryFile"/>): a new process starts
/// with the backoffs an earlier one learned, never trusted beyond the maximum; concurrent writers lose nothing; corrupted
/// content is ignored with a warning; a file that cannot be used leaves the memory per process.
/// </summary>
public sealed class FastOpenMemoryFileTests : IDisposable
{
    private static readonly SockAddr A = SockAddr.Inet([198, 18, 0, 2], 7000);
    private static readonly SockAddr B = SockAddr.Inet6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], 443);
    private readonly string _folder = Directory.CreateTempSubdirectory("wsksharp-tfo-").FullName;

    private string File => Path.Combine(_folder, "memory");

    private FastOpenMemory Memory(ManualClock clock, RecordingLogger? logger = null, TimeSpan? maximum = null, string? file = null, int capacity = 64)
        => new(WskFastOpenMode.Adaptive, TimeSpan.FromMinutes(5), maximum ?? TimeSpan.FromHours(1), capacity, clock, logger, file ?? File);

    [Fact]
    public void A_new_process_starts_with_the_backoff_an_earlier_one_learned_and_a_success_clears_it_from_the_file()
    {
        var clock = new ManualClock();
        FastOpenMemory first = Memory(clock);
        first.Record(A, WskFastOpenOutcome.SynRetransmitted);
        first.Flush();
        DateTimeOffset learned = first.List().Single().BackoffUntil!.Value;

        FastOpenMemory second = Memory(clock); // The next process.
        Assert.Equal(FastOpenMemory.Decision.Skip, second.Decide(A, out DateTimeOffset? until));
        Assert.Equal(learned.ToUnixTimeMilliseconds(), until!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(FastOpenMemory.Decision.Try, second.Decide(B, out _));

        clock.Now = learned + TimeSpan.FromSeconds(1); // Backoff over: one probe, acknowledged.
        Assert.Equal(FastOpenMemory.Decision.Probe, second.Decide(A, out _));
        second.Record(A, WskFastOpenOutcome.SynDataAcknowledged);
        second.Flush();

        Assert.Equal(FastOpenMemory.Decision.Try, Memory(clock).Decide(A, out _));
        Assert.Single(System.IO.File.ReadAllLines(File)); // The header alone.
    }

    [Fact]
    public void A_backoff_in_the_file_is_never_trusted_beyond_the_maximum_from_now_and_ended_ones_are_dropped()
    {
        var clock = new ManualClock();
        long farFuture = new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        long ended = (clock.Now - TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds();
        long now = clock.Now.ToUnixTimeMilliseconds();
        System.IO.File.WriteAllLines(File, ["# wsksharp fast-open memory 1", $"198.18.0.2 7000 3 {farFuture} {now}", $"2001:db8::3 443 1 {ended} {now}"]);

        FastOpenMemory memory = Memory(clock, maximum: TimeSpan.FromHours(2));

        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out DateTimeOffset? until));
        Assert.Equal(clock.Now + TimeSpan.FromHours(2), until);
        Assert.Equal(FastOpenMemory.Decision.Try, memory.Decide(B, out _));
        Assert.Equal(3, memory.List().Single().Failures);
    }

    [Fact]
    public void Corrupted_lines_are_ignored_with_one_warning_and_the_good_ones_kept()
    {
        var clock = new ManualClock();
        long until = (clock.Now + TimeSpan.FromMinutes(10)).ToUnixTimeMilliseconds(), now = clock.Now.ToUnixTimeMilliseconds();
        System.IO.File.WriteAllLines(File, ["# wsksharp fast-open memory 1", "garbage", $"198.18.0.2 7000 1 {until} {now}",
            $"198.18.0.9 0 1 {until} {now}", $"not-an-address 7000 1 {until} {now}", $"198.18.0.9 7000 1 {until}", "\u0000\u0001\u0002",
            $"198.18.0.9 7000 1 99999999999999999999 {now}"]);
        var logger = new RecordingLogger();

        FastOpenMemory memory = Memory(clock, logger);

        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out _));
        Assert.Single(memory.List());
        (LogLevel level, string message) = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("6 line(s)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_writers_lose_no_destination()
    {
        const int Writers = 8, Each = 20;
        var clock = new ManualClock();
        FastOpenMemory[] memories = [.. Enumerable.Range(0, Writers).Select(_ => Memory(clock, capacity: 256))];

        await Task.WhenAll(memories.Select((memory, w) => Task.Run(() =>
        {
            for (int i = 0; i < Each; i++)
            {
                memory.Record(SockAddr.Inet([198, 18, (byte)w, (byte)(i + 1)], 7000), WskFastOpenOutcome.SynRetransmitted);
                memory.Flush(); // Each change merged at once: the writers interleave on the file.
            }
        }, TestContext.Current.CancellationToken)));
        foreach (FastOpenMemory memory in memories)
        {
            memory.Flush(); // As WskDeregister does: a merge that could not take the lock in time left its changes for this one.
        }

        FastOpenMemory reader = Memory(clock, capacity: 256);
        Assert.Equal(Writers * Each, reader.List().Count);
        Assert.All(reader.List(), e => Assert.NotNull(e.BackoffUntil));

        // Bounded: a registration remembering fewer keeps the most recently updated in the file on its next merge.
        FastOpenMemory small = Memory(clock, capacity: 10);
        small.Record(A, WskFastOpenOutcome.SynRetransmitted);
        small.Flush();
        Assert.Equal(1 + 10, System.IO.File.ReadAllLines(File).Length);
    }

    [Fact]
    public void A_file_that_cannot_be_written_leaves_the_memory_per_process_with_one_warning()
    {
        var clock = new ManualClock();
        var logger = new RecordingLogger();
        FastOpenMemory memory = Memory(clock, logger, file: Path.Combine(_folder, "no-such-folder", "memory"));

        memory.Record(A, WskFastOpenOutcome.SynRetransmitted);
        memory.Flush();
        memory.Record(B, WskFastOpenOutcome.SynRetransmitted);
        memory.Flush();

        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out _));
        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(B, out _));
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("Fast Open to", StringComparison.Ordinal)));
        Assert.Single(logger.Entries, e => e.Message.Contains("cannot be used", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

using WskSharp.FastOpen;
using WskSharp.Internal;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Adaptive;

/// <summary>The adaptive Fast Open memory's policy, on a clock the test moves (no network).</summary>
public class FastOpenMemoryTests
{
    private static readonly SockAddr A = SockAddr.Inet([198, 18, 0, 2], 7000);
    private static readonly SockAddr B = SockAddr.Inet([198, 18, 0, 3], 7000);

    private static FastOpenMemory Adaptive(ManualClock clock, int capacity = 16)
        => new(WskFastOpenMode.Adaptive, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), capacity, clock, null);

    [Fact]
    public void A_lost_SYN_holds_Fast_Open_back_from_that_destination_only()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock);
        Assert.Equal(FastOpenMemory.Decision.Try, memory.Decide(A, out _));
        memory.Record(A, WskFastOpenOutcome.SynRetransmitted);

        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out DateTimeOffset? until));
        Assert.NotNull(until);
        Assert.InRange(until.Value - clock.Now, TimeSpan.FromMinutes(4.5), TimeSpan.FromMinutes(5.5)); // 5 min ± 10 %
        Assert.Equal(FastOpenMemory.Decision.Try, memory.Decide(B, out _));
    }

    [Fact]
    public void After_the_backoff_one_connection_probes_and_the_others_wait_for_it()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock);
        memory.Record(A, WskFastOpenOutcome.SynRetransmitted);
        clock.Now += TimeSpan.FromMinutes(6);
        Assert.Equal(FastOpenMemory.Decision.Probe, memory.Decide(A, out _));
        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out _)); // the probe is out

        memory.Record(A, WskFastOpenOutcome.SynDataAcknowledged); // success clears the record
        Assert.Equal(FastOpenMemory.Decision.Try, memory.Decide(A, out _));
        FastOpenMemory.Snapshot entry = Assert.Single(memory.List());
        Assert.Equal(0, entry.Failures);
        Assert.Null(entry.BackoffUntil);
    }

    [Fact]
    public void Repeated_failures_double_the_backoff_up_to_the_maximum()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock);
        TimeSpan previous = TimeSpan.Zero;
        for (int failure = 1; failure <= 8; failure++)
        {
            memory.Record(A, WskFastOpenOutcome.SynRetransmitted);
            Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out DateTimeOffset? until));
            TimeSpan backoff = until!.Value - clock.Now;
            double expected = Math.Min(5 * Math.Pow(2, failure - 1), 60);
            Assert.InRange(backoff.TotalMinutes, expected * 0.89, Math.Min(expected * 1.11, 60));
            Assert.True(backoff >= previous * 0.8);
            previous = backoff;
            clock.Now = until.Value;
            Assert.Equal(FastOpenMemory.Decision.Probe, memory.Decide(A, out _));
        }
    }

    [Fact]
    public void One_not_acknowledged_is_tolerated_two_in_a_row_back_off()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock);
        memory.Record(A, WskFastOpenOutcome.SynDataNotAcknowledged);
        Assert.Equal(FastOpenMemory.Decision.Try, memory.Decide(A, out _));
        memory.Record(A, WskFastOpenOutcome.SynDataNotAcknowledged);
        Assert.Equal(FastOpenMemory.Decision.Skip, memory.Decide(A, out _));
    }

    [Fact]
    public void A_failed_probe_connect_lets_the_next_connection_probe()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock);
        memory.Record(A, WskFastOpenOutcome.SynRetransmitted);
        clock.Now += TimeSpan.FromMinutes(6);
        Assert.Equal(FastOpenMemory.Decision.Probe, memory.Decide(A, out _));
        memory.Record(A, WskFastOpenOutcome.ConnectFailed);
        Assert.Equal(FastOpenMemory.Decision.Probe, memory.Decide(A, out _));
    }

    [Fact]
    public void Modes_off_and_always_do_as_named_and_remember_nothing()
    {
        var off = new FastOpenMemory(WskFastOpenMode.Off, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), 16, null, null);
        var always = new FastOpenMemory(WskFastOpenMode.Always, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), 16, null, null);
        off.Record(A, WskFastOpenOutcome.SynRetransmitted);
        always.Record(A, WskFastOpenOutcome.SynRetransmitted);
        Assert.Equal(FastOpenMemory.Decision.Skip, off.Decide(B, out _));
        Assert.Equal(FastOpenMemory.Decision.Try, always.Decide(A, out _));
        Assert.Empty(off.List());
        Assert.Empty(always.List());
    }

    [Fact]
    public void The_memory_is_bounded_and_forgets_the_least_recently_used()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock, capacity: 3);
        for (byte i = 1; i <= 5; i++)
        {
            memory.Record(SockAddr.Inet([198, 18, 1, i], 80), WskFastOpenOutcome.CookieRequested);
        }

        List<FastOpenMemory.Snapshot> entries = memory.List();
        Assert.Equal(3, entries.Count);
        Assert.Equal(SockAddr.Inet([198, 18, 1, 5], 80), entries[0].Destination);
        Assert.DoesNotContain(entries, e => e.Destination == SockAddr.Inet([198, 18, 1, 1], 80));
        Assert.Equal(1, memory.Clear(SockAddr.Inet([198, 18, 1, 5], 80)));
        Assert.Equal(2, memory.Clear(null));
        Assert.Empty(memory.List());
    }

    [Fact]
    public async Task Concurrent_decisions_and_records_keep_the_memory_consistent()
    {
        var clock = new ManualClock();
        FastOpenMemory memory = Adaptive(clock, capacity: 64);
        var destinations = Enumerable.Range(0, 100).Select(i => SockAddr.Inet([198, 18, (byte)(i / 250), (byte)(i % 250)], 443)).ToArray();
        await Parallel.ForAsync(0, 20_000, TestContext.Current.CancellationToken, (i, ct) =>
        {
            SockAddr d = destinations[i % destinations.Length];
            memory.Decide(d, out DateTimeOffset? _);
            memory.Record(d, (WskFastOpenOutcome)(1 + (i % 4)));
            return ValueTask.CompletedTask;
        });

        List<FastOpenMemory.Snapshot> entries = memory.List();
        Assert.InRange(entries.Count, 1, 64);
        Assert.Equal(entries.Count, entries.Select(e => e.Destination).Distinct().Count());
    }

    [Fact]
    public void Bad_settings_are_refused_at_registration()
    {
        Assert.Equal(WskSharp.Nt.NtStatus.InvalidParameter, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            new WskProviderOptions { FastOpenBackoffMinimum = TimeSpan.Zero }, out WskRegistration? registration));
        Assert.Null(registration);
        Assert.Equal(WskSharp.Nt.NtStatus.InvalidParameter, WskApi.WskRegister(new WskClientNpi(null, new WskClientDispatch(WskConstants.WSK_V1_0)),
            new WskProviderOptions { FastOpenBackoffMinimum = TimeSpan.FromHours(2), FastOpenBackoffMaximum = TimeSpan.FromHours(1) }, out _));
    }
}

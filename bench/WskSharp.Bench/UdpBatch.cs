using System.Diagnostics;

namespace WskSharp.Bench;

/// <summary>
/// One batch of request/response datagram pairs shared by the sockets of a UDP peer: each socket takes a ticket per
/// request, so the sockets together run exactly <c>count</c> pairs. Counting is allocation-free (the steady state is
/// measured for allocation); only a failure allocates (its message).
/// </summary>
internal sealed class UdpBatch
{
    private readonly Lock _lock = new();
    private readonly ManualResetEventSlim _done = new(false);
    private long _count;
    private long _tickets;
    private long _ok;
    private long _failed;
    private int _active;

    public Dictionary<string, long> Errors { get; } = [];

    public long Succeeded => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Arms the batch for <paramref name="count"/> pairs over <paramref name="loops"/> sockets.</summary>
    public void Reset(long count, int loops)
    {
        _count = count;
        _tickets = 0;
        _ok = 0;
        _failed = 0;
        Errors.Clear();
        _active = loops;
        if (loops == 0)
        {
            _done.Set();
        }
        else
        {
            _done.Reset();
        }
    }

    /// <summary>True while requests remain: the caller sends one.</summary>
    public bool TryTake() => Interlocked.Increment(ref _tickets) <= _count;

    public void Ok() => Interlocked.Increment(ref _ok);

    public void Fail(string what)
    {
        Interlocked.Increment(ref _failed);
        lock (_lock)
        {
            Errors[what] = Errors.GetValueOrDefault(what) + 1;
        }
    }

    /// <summary>A socket has no more requests to send (or has failed for good).</summary>
    public void LoopDone()
    {
        if (Interlocked.Decrement(ref _active) == 0)
        {
            _done.Set();
        }
    }

    /// <summary>Waits for every socket; false if the deadline came first.</summary>
    public bool Wait(TimeSpan deadline) => _done.Wait(deadline);

    /// <summary>Requests never sent because every socket had failed: counted as failures.</summary>
    public void Settle()
    {
        long missing = _count - Succeeded - Failed;
        if (missing > 0)
        {
            Interlocked.Add(ref _failed, missing);
            lock (_lock)
            {
                Errors["no socket left"] = Errors.GetValueOrDefault("no socket left") + missing;
            }
        }
    }
}

/// <summary>A UDP peer: its sockets, each one request in flight, driven over one batch at a time.</summary>
internal interface IUdpPeer : IDisposable
{
    /// <summary>Sockets still alive (a socket whose request went unanswered is closed).</summary>
    int Alive { get; }

    /// <summary>Starts every live socket on the batch (already reset for <see cref="Alive"/> loops) and returns.</summary>
    void Start(UdpBatch batch);

    /// <summary>The watchdog: closes every socket whose request has waited longer than <paramref name="limitTicks"/>
    /// (its loop then ends with a "timeout" failure).</summary>
    void Expire(long nowTicks, long limitTicks);

    /// <summary>Ends every loop (the deadline has passed).</summary>
    void Abort();
}

/// <summary>Runs <see cref="IUdpPeer.Expire"/> every 100 ms while a batch runs.</summary>
internal sealed class UdpWatchdog : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public UdpWatchdog(IUdpPeer peer, TimeSpan timeout)
    {
        long limit = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(() =>
        {
            while (!_stop.Token.WaitHandle.WaitOne(100))
            {
                peer.Expire(Stopwatch.GetTimestamp(), limit);
            }
        })
        { IsBackground = true, Name = "udp-watchdog" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}

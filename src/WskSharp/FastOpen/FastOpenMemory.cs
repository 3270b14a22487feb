using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WskSharp.Ws2;

namespace WskSharp.FastOpen;

/// <summary>
/// The adaptive Fast Open memory of one provider: for each destination (address and port), what its last Fast Open
/// attempts saw, and whether SYN data is being held back from it. The kernel forgets a path that dropped SYN data and
/// pays its fallback (about a second) on every connection; this pays it once per destination and backoff period.
/// Bounded (least recently used forgotten first) and safe under concurrent connects (one lock, no allocation for a
/// destination already known).
/// </summary>
internal sealed partial class FastOpenMemory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SockAddr, Entry> _entries = [];

    // _entries.Count, published after every change under _lock: while the memory holds nothing (every path healthy, the
    // usual case) a connect's Decide and Record return without the lock, the clock or hashing the address. A stale read
    // orders the call before the change it missed, as if it had come a moment earlier.
    private int _held;
    private readonly LinkedList<Entry> _recency = new();
    private readonly int _capacity;
    private readonly TimeSpan _minimum;
    private readonly TimeSpan _maximum;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string? _file;
    private readonly Lock _flushLock = new();
    private List<FastOpenMemoryFile.Record> _unsaved = [];
    private bool _fileFailed;

    public FastOpenMemory(WskFastOpenMode mode, TimeSpan minimum, TimeSpan maximum, int capacity, TimeProvider? time, ILogger? logger,
        string? file = null)
    {
        if (minimum <= TimeSpan.Zero || maximum < minimum || capacity < 1)
        {
            throw new ArgumentException("Fast Open backoff needs 0 < minimum <= maximum and a capacity of at least 1.");
        }

        Mode = mode;
        _minimum = minimum;
        _maximum = maximum;
        _capacity = capacity;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        if (file is not null && mode == WskFastOpenMode.Adaptive)
        {
            _file = file;
            try
            {
                Adopt(FastOpenMemoryFile.Load(file, _time.GetUtcNow(), _maximum, out int skipped), skipped);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                FileFailed(ex);
            }
        }
    }

    /// <summary>
    /// Writes what changed since the last flush into the memory file (merged with what other processes wrote) and adopts
    /// what they learned meanwhile. Runs on the thread pool after each change, and once more when the registration ends.
    /// </summary>
    public void Flush()
    {
        if (_file is null)
        {
            return;
        }

        lock (_flushLock)
        {
            List<FastOpenMemoryFile.Record> changes;
            lock (_lock)
            {
                changes = _unsaved;
                _unsaved = [];
            }

            if (changes.Count == 0)
            {
                return;
            }

            try
            {
                Adopt(FastOpenMemoryFile.Merge(_file, changes, _time.GetUtcNow(), _maximum, _capacity, out int skipped), skipped);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                FileFailed(ex);
                lock (_lock)
                {
                    changes.AddRange(_unsaved); // Kept for the next flush (a lock held long by another process, a full disk).
                    _unsaved = changes.Count <= _capacity ? changes : changes[^_capacity..];
                }
            }
        }
    }

    /// <summary>Takes the file's records that are newer than what this memory holds.</summary>
    private void Adopt(List<FastOpenMemoryFile.Record> records, int skipped)
    {
        if (skipped > 0)
        {
            LogFileSkipped(_logger, _file!, skipped);
        }

        lock (_lock)
        {
            foreach (FastOpenMemoryFile.Record r in records)
            {
                if (_entries.TryGetValue(r.Destination, out Entry? entry) && entry.Updated >= r.Updated)
                {
                    continue;
                }

                entry ??= Add(r.Destination);
                entry.Last = WskFastOpenOutcome.None; // Another process's verdict: no outcome of ours yet.
                entry.Failures = r.Failures;
                entry.BackoffUntil = r.BackoffUntil;
                entry.Updated = r.Updated;
            }
        }
    }

    /// <summary>Notes a change for the file (under <see cref="_lock"/>) and schedules a flush if none is due.</summary>
    private void Changed(Entry entry)
    {
        if (_file is null)
        {
            return;
        }

        _unsaved.Add(new FastOpenMemoryFile.Record(entry.Destination, entry.Failures, entry.BackoffUntil, entry.Updated));
        if (_unsaved.Count == 1)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static memory => memory.Flush(), this, preferLocal: false);
        }
    }

    private void FileFailed(Exception ex)
    {
        if (!_fileFailed)
        {
            _fileFailed = true; // Once: a read-only or missing folder would otherwise log on every change.
            LogFileFailed(_logger, _file!, ex.Message);
        }
    }

    /// <summary>What the memory does with Fast Open requests.</summary>
    public WskFastOpenMode Mode { get; }

    /// <summary>The decision for one connect.</summary>
    public enum Decision
    {
        /// <summary>Use Fast Open.</summary>
        Try,

        /// <summary>Use Fast Open: the backoff ended and this connection probes the path.</summary>
        Probe,

        /// <summary>Do not use Fast Open (mode off, or the destination is in backoff).</summary>
        Skip,
    }

    /// <summary>A destination as the memory holds it.</summary>
    public readonly record struct Snapshot(SockAddr Destination, WskFastOpenOutcome Last, int Failures, int NotAcknowledged,
        DateTimeOffset? BackoffUntil, bool Probing, DateTimeOffset Updated);

    private sealed class Entry(SockAddr destination)
    {
        public readonly SockAddr Destination = destination;
        public WskFastOpenOutcome Last;
        public int Failures;
        public int NotAcknowledged;
        public DateTimeOffset? BackoffUntil;
        public bool Probing;
        public DateTimeOffset Updated;
        public LinkedListNode<Entry>? Node;
    }

    /// <summary>Decides whether a connect to <paramref name="destination"/> that asks for Fast Open uses it.</summary>
    /// <param name="destination">The remote address.</param>
    /// <param name="skippedUntil">When skipping for backoff: when the backoff ends.</param>
    public Decision Decide(in SockAddr destination, out DateTimeOffset? skippedUntil)
    {
        skippedUntil = null;
        if (Mode == WskFastOpenMode.Off)
        {
            return Decision.Skip;
        }

        if (Mode == WskFastOpenMode.Always)
        {
            return Decision.Try;
        }

        if (Volatile.Read(ref _held) == 0)
        {
            return Decision.Try;
        }

        lock (_lock)
        {
            if (!_entries.TryGetValue(destination, out Entry? entry) || entry.BackoffUntil is not { } until)
            {
                return Decision.Try;
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (now < until || entry.Probing)
            {
                skippedUntil = entry.Probing ? now : until; // While a probe is out, the others wait for its verdict.
                return Decision.Skip;
            }

            entry.Probing = true;
            LogProbe(_logger, destination);
            return Decision.Probe;
        }
    }

    /// <summary>Records what a Fast Open attempt to <paramref name="destination"/> saw.</summary>
    public void Record(in SockAddr destination, WskFastOpenOutcome outcome)
    {
        if (Mode != WskFastOpenMode.Adaptive || outcome == WskFastOpenOutcome.None
            || (outcome == WskFastOpenOutcome.SynDataAcknowledged && Volatile.Read(ref _held) == 0))
        {
            return; // Mode, nothing to record, or an acknowledged path while the memory holds none: nothing to change.
        }

        lock (_lock)
        {
            if (!_entries.TryGetValue(destination, out Entry? entry))
            {
                if (outcome == WskFastOpenOutcome.SynDataAcknowledged)
                {
                    return; // A healthy path needs no memory.
                }

                entry = Add(destination);
            }
            else
            {
                _recency.Remove(entry.Node!);
                _recency.AddFirst(entry.Node!);
            }

            DateTimeOffset now = _time.GetUtcNow();
            bool wasProbing = entry.Probing;
            entry.Probing = false;
            entry.Last = outcome;
            entry.Updated = now;
            switch (outcome)
            {
                case WskFastOpenOutcome.SynDataAcknowledged:
                    if (entry.BackoffUntil is not null || entry.Failures > 0)
                    {
                        LogRecovered(_logger, destination);
                    }

                    if (entry.BackoffUntil is not null)
                    {
                        entry.BackoffUntil = null; // Success clears the record, here and in the file.
                        Changed(entry);
                    }

                    entry.Failures = 0;
                    entry.NotAcknowledged = 0;
                    break;
                case WskFastOpenOutcome.SynRetransmitted:
                    BackOff(entry, now, "the SYN carrying data was lost (retransmitted without it)");
                    break;
                case WskFastOpenOutcome.SynDataNotAcknowledged when ++entry.NotAcknowledged >= 2:
                    BackOff(entry, now, "the server did not acknowledge SYN data twice in a row");
                    break;
                case WskFastOpenOutcome.ConnectFailed when wasProbing:
                    entry.BackoffUntil = now; // The probe says nothing of the path: the next connection probes again.
                    break;
            }
        }
    }

    private void BackOff(Entry entry, DateTimeOffset now, string why)
    {
        entry.Failures++;
        double factor = Math.Pow(2, Math.Min(entry.Failures - 1, 30));
        double seconds = Math.Min(_minimum.TotalSeconds * factor, _maximum.TotalSeconds);
        seconds *= 0.9 + (0.2 * Random.Shared.NextDouble()); // ±10 %: many clients must not probe in step.
        entry.BackoffUntil = now + TimeSpan.FromSeconds(Math.Min(seconds, _maximum.TotalSeconds));
        LogBackoff(_logger, entry.Destination, why, entry.BackoffUntil.Value, entry.Failures);
        Changed(entry);
    }

    /// <summary>A new entry, most recently used; the least recently used one goes when the memory is full.</summary>
    private Entry Add(SockAddr destination)
    {
        var entry = new Entry(destination);
        _entries[destination] = entry;
        entry.Node = _recency.AddFirst(entry);
        if (_entries.Count > _capacity && _recency.Last is { } oldest)
        {
            _recency.RemoveLast();
            _entries.Remove(oldest.Value.Destination);
            LogEvicted(_logger, oldest.Value.Destination);
        }

        Volatile.Write(ref _held, _entries.Count);

        return entry;
    }

    /// <summary>The destinations remembered, most recently used first.</summary>
    public List<Snapshot> List()
    {
        lock (_lock)
        {
            var list = new List<Snapshot>(_entries.Count);
            foreach (Entry e in _recency)
            {
                list.Add(new Snapshot(e.Destination, e.Last, e.Failures, e.NotAcknowledged, e.BackoffUntil, e.Probing, e.Updated));
            }

            return list;
        }
    }

    /// <summary>Forgets one destination, or all when <paramref name="destination"/> is null; returns how many.</summary>
    public int Clear(SockAddr? destination)
    {
        lock (_lock)
        {
            int count;
            if (destination is { } one)
            {
                if (!_entries.Remove(one, out Entry? entry))
                {
                    return 0;
                }

                _recency.Remove(entry.Node!);
                Forget(entry);
                count = 1;
                Volatile.Write(ref _held, _entries.Count);
            }
            else
            {
                count = _entries.Count;
                foreach (Entry entry in _recency)
                {
                    Forget(entry);
                }

                _entries.Clear();
                _recency.Clear();
                Volatile.Write(ref _held, 0);
            }

            LogCleared(_logger, destination, count);
            return count;
        }
    }

    /// <summary>A cleared destination leaves the file too.</summary>
    private void Forget(Entry entry)
    {
        entry.BackoffUntil = null;
        entry.Updated = _time.GetUtcNow();
        Changed(entry);
    }

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Fast Open memory file {File}: {Count} line(s) that do not parse were ignored")]
    private static partial void LogFileSkipped(ILogger logger, string file, int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Fast Open memory file {File} cannot be used ({Why}); the memory lasts this process only")]
    private static partial void LogFileFailed(ILogger logger, string file, string why);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Fast Open to {Destination}: {Why}; its buffers go after the handshake until {Until:o} (failure {Failures})")]
    private static partial void LogBackoff(ILogger logger, SockAddr destination, string why, DateTimeOffset until, int failures);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Fast Open to {Destination}: backoff over, this connection probes with SYN data")]
    private static partial void LogProbe(ILogger logger, SockAddr destination);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Fast Open to {Destination}: SYN data acknowledged again; record cleared")]
    private static partial void LogRecovered(ILogger logger, SockAddr destination);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Fast Open memory full: forgot {Destination}")]
    private static partial void LogEvicted(ILogger logger, SockAddr destination);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Fast Open memory cleared for {Destination} (null: all; {Count} entries)")]
    private static partial void LogCleared(ILogger logger, SockAddr? destination, int count);
}

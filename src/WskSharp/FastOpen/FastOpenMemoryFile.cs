using System.Globalization;
using System.Net;
using System.Text;
using WskSharp.Ws2;

namespace WskSharp.FastOpen;

/// <summary>
/// The adaptive Fast Open memory kept in a file, so that a new process does not pay the fallback again for a path that an
/// earlier one found dropping SYN data. One line per destination in backoff:
/// <c>ADDRESS PORT FAILURES BACKOFF-UNTIL-UNIX-MS UPDATED-UNIX-MS</c>, under a header line naming the format. Writers take
/// an exclusive lock on a lock file beside it, merge (per destination, the later update wins) and replace the file by a
/// rename, so readers never see half a file and concurrent processes lose no record. A line that does not parse is
/// skipped (one log line says how many); a backoff is never trusted beyond the registration's maximum from now.
/// </summary>
internal static class FastOpenMemoryFile
{
    private const string Header = "# wsksharp fast-open memory 1";
    private static readonly TimeSpan s_lockWait = TimeSpan.FromSeconds(10);

    /// <summary>One destination as the file holds it; <see cref="BackoffUntil"/> null means "healthy again: forget it".</summary>
    public readonly record struct Record(SockAddr Destination, int Failures, DateTimeOffset? BackoffUntil, DateTimeOffset Updated);

    /// <summary>Reads the records whose backoff has not ended, each capped to <paramref name="now"/> + <paramref name="maximum"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="now">The clock's now.</param>
    /// <param name="maximum">The longest backoff the registration allows.</param>
    /// <param name="skipped">Lines that did not parse (corrupted content, another format).</param>
    public static List<Record> Load(string path, DateTimeOffset now, TimeSpan maximum, out int skipped)
    {
        skipped = 0;
        var records = new List<Record>();
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return records;
        }

        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if ((i == 0 && line == Header) || line.Length == 0)
            {
                continue;
            }

            if (i == 0 || !TryParse(line, out Record record))
            {
                skipped++;
                continue;
            }

            if (record.BackoffUntil is { } until && until > now)
            {
                DateTimeOffset cap = now + maximum;
                records.Add(record with { BackoffUntil = until > cap ? cap : until });
            }
        }

        return records;
    }

    /// <summary>
    /// Merges <paramref name="changes"/> into the file under its lock (a change replaces the file's record of the same
    /// destination unless the file's is newer; a change without backoff removes it), drops ended backoffs, keeps the
    /// <paramref name="capacity"/> most recently updated, and returns what the file now holds.
    /// </summary>
    public static List<Record> Merge(string path, IReadOnlyCollection<Record> changes, DateTimeOffset now, TimeSpan maximum, int capacity,
        out int skipped)
    {
        using FileStream lockFile = AcquireLock(path + ".lock");
        var merged = new Dictionary<SockAddr, Record>();
        foreach (Record r in Load(path, now, maximum, out skipped))
        {
            merged[r.Destination] = r;
        }

        foreach (Record change in changes)
        {
            if (merged.TryGetValue(change.Destination, out Record held) && held.Updated > change.Updated)
            {
                continue; // Another process learned something newer about this destination.
            }

            if (change.BackoffUntil is { } until && until > now)
            {
                merged[change.Destination] = change;
            }
            else
            {
                merged.Remove(change.Destination);
            }
        }

        List<Record> kept = [.. merged.Values.OrderByDescending(r => r.Updated).Take(capacity)];
        var text = new StringBuilder(Header).Append('\n');
        foreach (Record r in kept)
        {
            text.Append(Format(r)).Append('\n');
        }

        string temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, text.ToString(), Encoding.UTF8);
        File.Move(temporary, path, overwrite: true); // rename(2): readers see the old file or the new one, whole.
        return kept;
    }

    private static FileStream AcquireLock(string lockPath)
    {
        // FileShare.None is an exclusive advisory lock on Unix: another process gets IOException until it is released.
        long deadline = Environment.TickCount64 + (long)s_lockWait.TotalMilliseconds;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(5); // Another process is merging: a few milliseconds.
            }
        }
    }

    private static string Format(Record r)
    {
        IPEndPoint endPoint = r.Destination.ToEndPoint();
        return string.Create(CultureInfo.InvariantCulture,
            $"{endPoint.Address} {endPoint.Port} {r.Failures} {r.BackoffUntil!.Value.ToUnixTimeMilliseconds()} {r.Updated.ToUnixTimeMilliseconds()}");
    }

    private static bool TryParse(string line, out Record record)
    {
        record = default;
        string[] f = line.Split(' ');
        if (f.Length != 5
            || !IPAddress.TryParse(f[0], out IPAddress? address)
            || !ushort.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0
            || !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int failures) || failures < 1
            || !long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out long until)
            || !long.TryParse(f[4], NumberStyles.None, CultureInfo.InvariantCulture, out long updated)
            || until > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() || updated > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        record = new Record(SockAddr.FromEndPoint(new IPEndPoint(address, port)), failures, DateTimeOffset.FromUnixTimeMilliseconds(until),
            DateTimeOffset.FromUnixTimeMilliseconds(updated));
        return true;
    }
}

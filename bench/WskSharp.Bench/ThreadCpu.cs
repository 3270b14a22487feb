using System.Globalization;

namespace WskSharp.Bench;

/// <summary>
/// CPU time per thread of this process (<c>/proc/self/task/TID/schedstat</c>: run time in ns, the scheduler's own clock,
/// not ticks), summed by thread name: a snapshot before and after the measured phase says which threads spent the CPU
/// that getrusage reports for the whole process (the event loop, the thread pool, tiered compilation, the GC).
/// </summary>
internal static class ThreadCpu
{
    /// <summary>Run time in ns so far of every thread now alive, keyed by thread id (with its name).</summary>
    public static Dictionary<int, (string Name, long Ns)> Snapshot()
    {
        var result = new Dictionary<int, (string, long)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                int tid = int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture);
                string name = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                string stat = File.ReadAllText(Path.Combine(dir, "schedstat"));
                long ns = long.Parse(stat.AsSpan(0, stat.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                result[tid] = (name, ns);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // The thread ended while it was read: it ran outside this window's end anyway.
            }
        }

        return result;
    }

    /// <summary>µs per connection by thread name between two snapshots (threads born in between count from 0).</summary>
    public static Dictionary<string, double> PerConnection(Dictionary<int, (string Name, long Ns)> before,
        Dictionary<int, (string Name, long Ns)> after, long connections)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((int tid, (string name, long ns)) in after)
        {
            long spent = ns - (before.TryGetValue(tid, out var b) ? b.Ns : 0);
            byName[name] = byName.GetValueOrDefault(name) + spent;
        }

        return byName.Where(e => e.Value > 0).ToDictionary(e => e.Key, e => Math.Round(e.Value / 1e3 / Math.Max(1, connections), 3),
            StringComparer.Ordinal);
    }
}

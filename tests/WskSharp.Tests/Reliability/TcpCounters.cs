using System.Globalization;
using WskSharp.Lab;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// The kernel's TCP counters (nstat) of the namespaces a test uses, and the sockets ss lists there: evidence for a test's
/// failure message and output, telling a slow path (listen overflows, retransmissions) from a real loss (aborts). Read
/// with iproute2's nstat and ss inside each namespace; without them the readings are empty, never a failure.
/// </summary>
internal static class TcpCounters
{
    /// <summary>The counters worth naming: the accept queue (overflows and drops), retransmissions and every abort.</summary>
    private static readonly string[] s_names =
    [
        "TcpExtListenOverflows", "TcpExtListenDrops", "TcpRetransSegs", "TcpExtTCPSynRetrans", "TcpExtTCPTimeouts",
        "TcpExtTCPAbortOnData", "TcpExtTCPAbortOnClose", "TcpExtTCPAbortOnMemory", "TcpExtTCPAbortOnTimeout",
        "TcpExtTCPAbortOnLinger", "TcpExtTCPAbortFailed", "TcpExtTCPReqQFullDrop", "TcpExtSyncookiesSent",
    ];

    /// <summary>The counters of <paramref name="client"/> and <paramref name="server"/> ("client." / "server." before each
    /// name; one set when they are the same namespace).</summary>
    public static Dictionary<string, long> Read(NetworkNamespace client, NetworkNamespace server)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        Add(counters, ReferenceEquals(client, server) || client.Name == server.Name ? "" : "client.", client);
        if (client.Name != server.Name)
        {
            Add(counters, "server.", server);
        }

        return counters;
    }

    /// <summary>What changed from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static Dictionary<string, long> Since(Dictionary<string, long> before, Dictionary<string, long> after)
        => after.ToDictionary(c => c.Key, c => c.Value - before.GetValueOrDefault(c.Key), StringComparer.Ordinal);

    /// <summary>The non-zero counters, one line.</summary>
    public static string Describe(Dictionary<string, long> counters)
    {
        string[] nonZero = [.. counters.Where(c => c.Value != 0).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")];
        return counters.Count == 0 ? "(nstat unavailable)" : nonZero.Length == 0 ? "nothing counted" : string.Join(' ', nonZero);
    }

    /// <summary>The TCP sockets of <paramref name="ns"/> that match an ss filter (e.g. "sport = :10042"), with their state
    /// and timers; "none" when the kernel holds none.</summary>
    public static string Sockets(NetworkNamespace ns, string filter)
    {
        try
        {
            string[] lines = [.. NetworkNamespace.Run("ip", ["netns", "exec", ns.Name, "ss", "-tanoH", "state", "all", .. filter.Split(' ')])
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            return lines.Length == 0 ? "none" : string.Join(" | ", lines);
        }
        catch (InvalidOperationException ex)
        {
            return $"ss failed: {ex.Message}";
        }
    }

    private static void Add(Dictionary<string, long> counters, string prefix, NetworkNamespace ns)
    {
        string output;
        try
        {
            output = NetworkNamespace.Run("ip", "netns", "exec", ns.Name, "nstat", "-asz"); // Absolute, history untouched.
        }
        catch (InvalidOperationException)
        {
            return;
        }

        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && s_names.Contains(fields[0], StringComparer.Ordinal)
                && long.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                counters[prefix + fields[0]] = value;
            }
        }
    }
}

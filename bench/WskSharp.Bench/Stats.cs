using System.Globalization;

namespace WskSharp.Bench;

internal static class Stats
{
    /// <summary>Nearest-rank percentile (as the C client computes it); NaN for no samples.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] v = [.. values.Where(x => !double.IsNaN(x)).Order()];
        if (v.Length == 0)
        {
            return double.NaN;
        }

        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>strace -c -f summary → calls by syscall.</summary>
    public static Dictionary<string, long> ParseStraceCalls(string text)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string[] f = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // % time  seconds  usecs/call  calls  [errors]  syscall
            if (f.Length < 5 || !double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) || f[^1] == "total")
            {
                continue;
            }

            if (long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out long calls))
            {
                result[f[^1]] = calls;
            }
        }

        return result;
    }
}

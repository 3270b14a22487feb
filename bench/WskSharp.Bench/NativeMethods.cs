using System.Runtime.InteropServices;

namespace WskSharp.Bench;

/// <summary>getrusage(RUSAGE_SELF): CPU time of the whole process (every thread) with microsecond resolution,
/// the same clock the C client reports (Process.TotalProcessorTime on Linux has 10 ms ticks).</summary>
internal static partial class NativeMethods
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UtimeSec;
        public long UtimeUsec;
        public long StimeSec;
        public long StimeUsec;
        public long Rest0, Rest1, Rest2, Rest3, Rest4, Rest5, Rest6, Rest7, Rest8, Rest9, Rest10, Rest11, Rest12, Rest13;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rlimit
    {
        public ulong Cur;
        public ulong Max;
    }

    private const int RlimitNoFile = 7;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRlimit(int resource, out Rlimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, in Rlimit limit);

    /// <summary>
    /// Raises RLIMIT_NOFILE of this process (soft and hard, as root may) to at least <paramref name="wanted"/>; child
    /// processes inherit it. Returns the soft limit in force afterwards.
    /// </summary>
    public static long RaiseNoFile(long wanted)
    {
        if (GetRlimit(RlimitNoFile, out Rlimit r) != 0)
        {
            return -1;
        }

        if (r.Cur < (ulong)wanted)
        {
            var raised = new Rlimit { Cur = Math.Max(r.Cur, (ulong)wanted), Max = Math.Max(r.Max, (ulong)wanted) };
            if (SetRlimit(RlimitNoFile, raised) != 0)
            {
                // Not root: the soft limit up to the hard one is all a process may do.
                raised = new Rlimit { Cur = r.Max, Max = r.Max };
                _ = SetRlimit(RlimitNoFile, raised);
            }

            _ = GetRlimit(RlimitNoFile, out r);
        }

        return (long)r.Cur;
    }

    /// <summary>(user, system) CPU seconds of this process so far.</summary>
    public static (double User, double Sys) ProcessCpu()
    {
        if (GetRusage(0, out Rusage r) != 0)
        {
            TimeSpan total = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            return (total.TotalSeconds, 0);
        }

        return (r.UtimeSec + (r.UtimeUsec / 1e6), r.StimeSec + (r.StimeUsec / 1e6));
    }

    /// <summary>Load-independent counts of this process so far (getrusage): minor page faults, voluntary and involuntary
    /// context switches.</summary>
    public static (long MinorFaults, long VoluntarySwitches, long InvoluntarySwitches) ProcessCounts()
        => GetRusage(0, out Rusage r) == 0 ? (r.Rest4, r.Rest12, r.Rest13) : (0, 0, 0);
}

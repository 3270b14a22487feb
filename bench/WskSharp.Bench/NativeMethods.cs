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
}

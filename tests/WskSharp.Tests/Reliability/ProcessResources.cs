using System.Runtime.InteropServices;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// What the reliability tests measure about this process: its open file descriptors (/proc/self/fd), its managed
/// memory after a full collection, and its own descriptor limit (RLIMIT_NOFILE, raised for the process only, never
/// the system's).
/// </summary>
internal static partial class ProcessResources
{
    /// <summary>WSKSHARP_STRESS=1 selects the full sizes of the load and leak tests (see Reliability/README.md).</summary>
    public static bool Stress => Environment.GetEnvironmentVariable("WSKSHARP_STRESS") == "1";

    /// <summary>The descriptors open in this process now (the listing's own directory descriptor excluded).</summary>
    public static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length - 1;

    /// <summary>The descriptors open now that are not assemblies: the runtime keeps an assembly's file open from its first
    /// load on, and a test that is first to touch one (run alone, say) must not count it as a leak.</summary>
    public static int OpenDescriptorsExceptAssemblies()
    {
        int count = 0;
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                string? target = new FileInfo(fd).LinkTarget;
                if (target is not null && !IsAssembly(target))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while listed (the listing's own descriptor, for one).
            }
        }

        return count;
    }

    /// <summary>True for a path the runtime maps as a managed assembly.</summary>
    public static bool IsAssembly(string target) => target.EndsWith(".dll", StringComparison.Ordinal);

    /// <summary>The descriptors that are sockets or network namespaces (what WskSharp opens), not the runtime's assemblies
    /// and pipes that come and go with what the process loads and starts.</summary>
    public static int OpenNetworkDescriptors()
    {
        int count = 0;
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                string? target = new FileInfo(fd).LinkTarget;
                if (target is not null && (target.StartsWith("socket:", StringComparison.Ordinal) || target.StartsWith("net:", StringComparison.Ordinal)))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while listed.
            }
        }

        return count;
    }

    /// <summary>What the open descriptors are (e.g. "socket:[…]" ×3, "anon_inode:[eventpoll]" ×1), for a failure message.</summary>
    public static string DescribeDescriptors()
    {
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string fd in Directory.GetFiles("/proc/self/fd"))
        {
            string kind;
            try
            {
                kind = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue; // Closed while listed (the listing's own descriptor, for one).
            }

            int bracket = kind.IndexOf('[', StringComparison.Ordinal);
            kind = bracket > 0 && kind.StartsWith("socket:", StringComparison.Ordinal) ? "socket" : kind;
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }

        return string.Join(", ", kinds.Select(k => $"{k.Key} x{k.Value}"));
    }

    /// <summary>
    /// Waits briefly for the descriptor count to come back to at most <paramref name="baseline"/>: the runtime closes some
    /// of its own descriptors (thread-pool and timer machinery) a little after the work that opened them. Returns the last
    /// count seen, so the caller asserts on it.
    /// </summary>
    public static async Task<int> SettleDescriptorsAsync(int baseline, int slack = 0, bool networkOnly = false, bool exceptAssemblies = false)
    {
        Func<int> count = networkOnly ? OpenNetworkDescriptors : exceptAssemblies ? OpenDescriptorsExceptAssemblies : OpenDescriptors;
        int now = count();
        for (int i = 0; i < 40 && now > baseline + slack; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            now = count();
        }

        return now;
    }

    /// <summary>Managed bytes in use after a full, compacting, blocking collection with finalizers run.</summary>
    public static long ManagedBytesAfterFullCollect()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Raises this process's RLIMIT_NOFILE (its own, not the system's) to at least <paramref name="wanted"/>: the hard
    /// limit too when the process may (root), else up to the hard limit. Returns the soft limit in force afterwards.</summary>
    public static ulong RaiseDescriptorLimit(ulong wanted)
    {
        if (getrlimit(RLIMIT_NOFILE, out RLimit limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        if (limit.Current >= wanted)
        {
            return limit.Current;
        }

        // Above the hard limit needs CAP_SYS_RESOURCE (root); without it, go as far as the hard limit allows.
        var raised = new RLimit { Current = wanted, Maximum = Math.Max(wanted, limit.Maximum) };
        if (setrlimit(RLIMIT_NOFILE, in raised) == 0)
        {
            return raised.Current;
        }

        raised = new RLimit { Current = Math.Min(wanted, limit.Maximum), Maximum = limit.Maximum };
        if (setrlimit(RLIMIT_NOFILE, in raised) != 0)
        {
            throw new InvalidOperationException($"setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return raised.Current;
    }

    /// <summary>Lowers this process's soft RLIMIT_NOFILE to <paramref name="softLimit"/> (never above what it is), hard limit
    /// unchanged: a child process of a test makes its own descriptor table small enough to fill.</summary>
    public static void LowerDescriptorLimit(ulong softLimit)
    {
        if (getrlimit(RLIMIT_NOFILE, out RLimit limit) != 0
            || setrlimit(RLIMIT_NOFILE, new RLimit { Current = Math.Min(limit.Current, softLimit), Maximum = limit.Maximum }) != 0)
        {
            throw new InvalidOperationException($"getrlimit/setrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private const int RLIMIT_NOFILE = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);
}

/// <summary>The reliability tests count this process's descriptors and memory, so they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability";
}

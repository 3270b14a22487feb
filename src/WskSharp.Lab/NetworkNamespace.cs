using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WskSharp.Transport.Linux;

namespace WskSharp.Lab;

/// <summary>
/// A Linux network namespace this process created (<c>ip netns add</c>), with loopback up and TCP Fast Open
/// enabled for clients and servers inside it only (<c>net.ipv4.tcp_fastopen=3</c>); the host's sysctls are never
/// touched. Disposing deletes it. Needs root.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private static int s_counter;
    private readonly ILogger _logger = NullLogger.Instance;
    private int _deleted;

    private NetworkNamespace(string name) => Name = name;

    private NetworkNamespace(string name, ILogger logger)
        : this(name) => _logger = logger;

    private NetworkNamespace(string name, bool owned)
        : this(name) => Owned = owned;

    /// <summary>The namespace's name (<c>/var/run/netns/NAME</c>).</summary>
    public string Name { get; }

    /// <summary>True when this object made the namespace and deletes it on <see cref="Dispose"/>; false for one made
    /// by someone else (<see cref="Open"/>, e.g. by <c>tools/lab/lab.sh</c>), which disposing leaves alone.</summary>
    public bool Owned { get; } = true;

    /// <summary>True when this process may create namespaces (root, with <c>ip</c> on the PATH).</summary>
    public static bool CanCreate => Environment.IsPrivilegedProcess && FindIp() is not null && File.Exists("/proc/self/ns/net");

    /// <summary>Why <see cref="CanCreate"/> is false, or null.</summary>
    public static string? WhyNot => !Environment.IsPrivilegedProcess
        ? "needs root (CAP_SYS_ADMIN) to create a network namespace"
        : FindIp() is null ? "needs the 'ip' command (Debian package iproute2)" : null;

    /// <summary>Creates a namespace named <paramref name="prefix"/>-PID-N with loopback up and Fast Open on (3).</summary>
    /// <param name="prefix">The first part of the name.</param>
    /// <param name="logger">Where a clean-up that fails (an orphan or this namespace not deleted) is reported; null: nowhere.</param>
    /// <exception cref="InvalidOperationException">A command failed; whatever was made is removed.</exception>
    public static NetworkNamespace Create(string prefix = "wsk", ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        RemoveOrphans(prefix, logger);
        string name = $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        Run("ip", "netns", "add", name);
        var ns = new NetworkNamespace(name, logger);
        try
        {
            Run("ip", "-n", name, "link", "set", "lo", "up");
            Run("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv4.tcp_fastopen=3");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    /// <summary>
    /// Wraps an existing namespace made by someone else (e.g. <c>tools/lab/lab.sh</c>) without owning it: everything
    /// works as on a created one, but <see cref="Dispose"/> does not delete it.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no namespace of that name.</exception>
    public static NetworkNamespace Open(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || !File.Exists("/var/run/netns/" + name))
        {
            throw new InvalidOperationException($"There is no network namespace named '{name}' (/var/run/netns/{name}).");
        }

        return new NetworkNamespace(name, owned: false);
    }

    /// <summary>
    /// Deletes namespaces named <paramref name="prefix"/>-PID-N whose creating process is gone (a run that was killed
    /// before it could clean up). Only names of this pattern are touched, and only for dead PIDs. One that cannot be
    /// deleted is reported to <paramref name="logger"/> and left.
    /// </summary>
    public static void RemoveOrphans(string prefix, ILogger? logger = null)
    {
        if (!Directory.Exists("/var/run/netns"))
        {
            return;
        }

        foreach (string path in Directory.GetFiles("/var/run/netns", prefix + "-*"))
        {
            string[] parts = Path.GetFileName(path)[(prefix.Length + 1)..].Split('-');
            if (parts.Length == 2 && int.TryParse(parts[0], out int pid) && int.TryParse(parts[1], out _)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Run("ip", "netns", "delete", Path.GetFileName(path));
                }
                catch (InvalidOperationException ex)
                {
                    LabLog.OrphanNotDeleted(logger ?? NullLogger.Instance, path, ex.Message);
                }
            }
        }
    }

    /// <summary>Forgets every Fast Open cookie the namespace's kernel cached (they live in its TCP metrics, per
    /// destination address), so the next connection starts with a cookie request.</summary>
    public void ForgetFastOpenCookies() => Run("ip", "netns", "exec", Name, "ip", "tcp_metrics", "flush", "all");

    /// <summary>Reads a sysctl inside the namespace.</summary>
    public string ReadSysctl(string key) => Run("ip", "netns", "exec", Name, "sysctl", "-n", key).Trim();

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that has entered the namespace, and waits for it: sockets it
    /// creates live in the namespace for life, wherever they are used afterwards.
    /// </summary>
    public T RunInside<T>(Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter();
                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        })
        { IsBackground = true, Name = $"netns {Name}" };
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"Running inside network namespace {Name} failed: {error.Message}", error);
        }

        return result;
    }

    private void Enter()
    {
        int fd = Interop.open("/var/run/netns/" + Name, Interop.O_RDONLY | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            throw new InvalidOperationException($"open netns {Name}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (Interop.setns(fd, Interop.CLONE_NEWNET) != 0)
            {
                throw new InvalidOperationException($"setns {Name}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            Interop.close(fd);
        }
    }

    /// <summary>Deletes the namespace (once), if this object <see cref="Owned"/> it; a failure goes to the logger given to
    /// <see cref="Create"/>.</summary>
    public void Dispose()
    {
        if (Owned && Interlocked.Exchange(ref _deleted, 1) == 0)
        {
            try
            {
                Run("ip", "netns", "delete", Name);
            }
            catch (InvalidOperationException ex)
            {
                LabLog.NamespaceNotDeleted(_logger, Name, ex.Message); // Disposing must not throw: reported, and left.
            }
        }
    }

    /// <summary>Runs a command and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">It could not start or exited non-zero.</exception>
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        // Disposed here: left to the finalizer, the two pipes stay open after the command ends (a test counting its
        // descriptors sees them).
        using StreamReader output = process.StandardOutput;
        using StreamReader error = process.StandardError;
        Task<string> stdout = output.ReadToEndAsync();
        string stderr = error.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' exited {process.ExitCode}: {stderr.Trim()}");
        }

        return stdout.Result;
    }

    private static string? FindIp()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            string path = Path.Combine(dir, "ip");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}

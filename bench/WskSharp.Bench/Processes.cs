using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace WskSharp.Bench;

/// <summary>Child processes and network namespaces the orchestrator made; all are removed on exit, error or Ctrl-C.</summary>
internal static class Cleanup
{
    private static readonly Lock s_lock = new();
    private static readonly List<Process> s_processes = [];
    private static readonly List<string> s_namespaces = [];
    private static int s_installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => All();
        Console.CancelKeyPress += (_, e) =>
        {
            Console.Error.WriteLine("bench: interrupted; cleaning up");
            All();
        };
    }

    public static void Track(Process p)
    {
        lock (s_lock)
        {
            s_processes.Add(p);
        }
    }

    public static void Untrack(Process p)
    {
        lock (s_lock)
        {
            s_processes.Remove(p);
        }
    }

    public static void TrackNamespace(string ns)
    {
        lock (s_lock)
        {
            s_namespaces.Add(ns);
        }
    }

    public static void UntrackNamespace(string ns)
    {
        lock (s_lock)
        {
            s_namespaces.Remove(ns);
        }
    }

    public static void All()
    {
        Process[] procs;
        string[] namespaces;
        lock (s_lock)
        {
            procs = [.. s_processes];
            namespaces = [.. s_namespaces];
            s_processes.Clear();
            s_namespaces.Clear();
        }

        foreach (Process p in procs)
        {
            Proc.KillQuietly(p);
        }

        foreach (string ns in namespaces)
        {
            Netns.DeleteQuietly(ns);
        }
    }
}

/// <summary>Running a command with a time limit.</summary>
internal static class Proc
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut, double Seconds);

    public static ProcessStartInfo Info(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout, string? logPath = null)
    {
        ProcessStartInfo psi = Info(file, args);
        var sw = Stopwatch.StartNew();
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        p.Start();
        Cleanup.Track(p);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        bool done = p.WaitForExit(timeout);
        if (done)
        {
            p.WaitForExit(); // without a timeout this also waits for the redirected output to be read to its end
        }
        else
        {
            KillQuietly(p);
            p.WaitForExit(5000);
        }

        Cleanup.Untrack(p);
        string o, e2;
        lock (stdout)
        {
            o = stdout.ToString();
        }

        lock (stderr)
        {
            e2 = stderr.ToString();
        }

        if (logPath is not null)
        {
            File.WriteAllText(logPath, $"$ {file} {string.Join(' ', args)}\n--- stdout\n{o}--- stderr\n{e2}--- exit {(done ? p.ExitCode.ToString(CultureInfo.InvariantCulture) : "timeout")} after {sw.Elapsed.TotalSeconds:F1} s\n");
        }

        return new Result(done ? p.ExitCode : -1, o, e2, !done, sw.Elapsed.TotalSeconds);
    }

    /// <summary>Runs a command that must succeed (set-up steps).</summary>
    public static string Must(string file, params string[] args)
    {
        Result r = Run(file, args, TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', args)}' failed ({(r.TimedOut ? "timeout" : r.ExitCode)}): {r.Stderr.Trim()}");
        }

        return r.Stdout;
    }

    public static void KillQuietly(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}

/// <summary>A fresh network namespace for one measurement (own loopback, own TIME_WAIT table, own Fast Open
/// cookies; Fast Open on inside it only). The host's sysctls are never touched.</summary>
internal sealed class Netns : IDisposable
{
    private static int s_counter;

    private Netns(string name) => Name = name;

    public string Name { get; }

    public static Netns Create(string prefix)
    {
        string name = $"{prefix}-lo{Interlocked.Increment(ref s_counter)}";
        DeleteQuietly(name);
        Proc.Must("ip", "netns", "add", name);
        Cleanup.TrackNamespace(name);
        var ns = new Netns(name);
        try
        {
            Proc.Must("ip", "-n", name, "link", "set", "lo", "up");
            Proc.Must("ip", "netns", "exec", name, "sysctl", "-q", "-w", "net.ipv4.tcp_fastopen=3");
        }
        catch
        {
            ns.Dispose();
            throw;
        }

        return ns;
    }

    public static void DeleteQuietly(string name)
    {
        if (!File.Exists("/run/netns/" + name))
        {
            return;
        }

        Proc.Result pids = Proc.Run("ip", ["netns", "pids", name], TimeSpan.FromSeconds(10));
        foreach (string line in pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId)
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    p.Kill();
                    p.WaitForExit(2000);
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        Proc.Run("ip", ["netns", "delete", name], TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        DeleteQuietly(Name);
        Cleanup.UntrackNamespace(Name);
    }
}

/// <summary>A native server (echo_server, sink_server) inside a namespace; it exits when its stdin pipe (held by
/// this process) closes, so it cannot outlive the benchmark.</summary>
internal sealed class Server : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private Server(Process process) => _process = process;

    public int Port { get; private set; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static Server Start(string ns, string exe, params string[] args)
    {
        ProcessStartInfo psi = Proc.Info("ip", ["netns", "exec", ns, exe, .. args, "--exit-on-stdin-eof"]);
        psi.RedirectStandardInput = true;
        var p = new Process { StartInfo = psi };
        p.Start();
        Cleanup.Track(p);
        var server = new Server(p);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._stderr)
                {
                    server._stderr.AppendLine(e.Data);
                }
            }
        };
        p.BeginErrorReadLine();
        Task<string?> line = p.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(10)) || line.Result is not { } text || !text.StartsWith("listening ", StringComparison.Ordinal))
        {
            Proc.KillQuietly(p);
            throw new InvalidOperationException($"{exe} in {ns} did not start: {server.Stderr.Trim()}");
        }

        server.Port = int.Parse(text[(text.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        return server;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        if (!_process.WaitForExit(3000))
        {
            Proc.KillQuietly(_process);
            _process.WaitForExit(2000);
        }

        Cleanup.Untrack(_process);
        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace WskSharp.Lab;

/// <summary>How to bring a lab up (the options of <c>tools/lab/lab.sh up</c>).</summary>
public sealed record LabOptions
{
    /// <summary>One-way delay of the delay line in milliseconds (the round trip is twice this). Default 10 (~20 ms RTT).</summary>
    public int DelayMs { get; init; } = 10;

    /// <summary>Destinations whose SYNs carrying data the delay line drops (<c>--blackhole-syn-data</c>).</summary>
    public IReadOnlyList<IPAddress> BlackholeSynData { get; init; } = [];

    /// <summary>A bound on the lab's life (<c>--max-seconds</c>): it goes away by itself after this. Default 600.</summary>
    public int MaxSeconds { get; init; } = 600;

    /// <summary>False for <c>--no-ipv6</c>.</summary>
    public bool Ipv6 { get; init; } = true;

    /// <summary>The first characters of the lab's name (a lowercase letter, then a-z 0-9); the rest is unique to this process.</summary>
    public string NamePrefix { get; init; } = "wt";
}

/// <summary>
/// The two-namespace network lab of <c>tools/lab/lab.sh</c> as an object: <see cref="UpAsync"/> runs <c>lab.sh up</c>
/// with a name unique to this process (and <c>--parent-pid</c> of this process, so the lab goes away with it, and a
/// <c>--max-seconds</c> bound), and <see cref="DisposeAsync"/> runs <c>lab.sh down</c>. The client namespace
/// (<see cref="Client"/>, 198.18.0.1 and 2001:2::1) and the server namespace (<see cref="Server"/>, 198.18.0.2 and .3,
/// 2001:2::2 and ::3) are joined by the user-space delay line on their TUN devices. Needs root.
/// </summary>
public sealed class LabNetwork : IAsyncDisposable
{
    private static int s_counter;
    private int _down;

    private LabNetwork(string script, IReadOnlyDictionary<string, string> state, LabOptions options)
    {
        Script = script;
        State = state;
        Options = options;
        Name = Get("NAME");
        Client = NetworkNamespace.Open(Get("CLIENT_NS"));
        Server = NetworkNamespace.Open(Get("SERVER_NS"));
        ClientDevice = Get("CLIENT_DEV");
        ServerDevice = Get("SERVER_DEV");
        ClientAddress = IPAddress.Parse(Get("CLIENT_ADDR"));
        ServerAddress = IPAddress.Parse(Get("SERVER_ADDR"));
        ServerAddress2 = IPAddress.Parse(Get("SERVER_ADDR2"));
        if (options.Ipv6)
        {
            ClientAddress6 = IPAddress.Parse(Get("CLIENT_ADDR6"));
            ServerAddress6 = IPAddress.Parse(Get("SERVER_ADDR6"));
            ServerAddress6_2 = IPAddress.Parse(Get("SERVER_ADDR6_2"));
        }

        LogPath = Get("LOG");

        string Get(string key) => state.TryGetValue(key, out string? value) && value.Length > 0
            ? value
            : throw new InvalidOperationException($"lab.sh env printed no {key}");
    }

    /// <summary>The lab's name (<c>--name</c>).</summary>
    public string Name { get; }

    /// <summary>The <c>lab.sh</c> that made it.</summary>
    public string Script { get; }

    /// <summary>What it was made with.</summary>
    public LabOptions Options { get; }

    /// <summary>The lab's state as <c>lab.sh env</c> printed it (KEY=VALUE).</summary>
    public IReadOnlyDictionary<string, string> State { get; }

    /// <summary>The client namespace (not owned: <c>lab.sh down</c> removes it).</summary>
    public NetworkNamespace Client { get; }

    /// <summary>The server namespace (not owned: <c>lab.sh down</c> removes it).</summary>
    public NetworkNamespace Server { get; }

    /// <summary>The client's TUN device (in <see cref="Client"/>).</summary>
    public string ClientDevice { get; }

    /// <summary>The server's TUN device (in <see cref="Server"/>).</summary>
    public string ServerDevice { get; }

    /// <summary>198.18.0.1.</summary>
    public IPAddress ClientAddress { get; }

    /// <summary>198.18.0.2.</summary>
    public IPAddress ServerAddress { get; }

    /// <summary>198.18.0.3.</summary>
    public IPAddress ServerAddress2 { get; }

    /// <summary>2001:2::1, or null without IPv6.</summary>
    public IPAddress? ClientAddress6 { get; }

    /// <summary>2001:2::2, or null without IPv6.</summary>
    public IPAddress? ServerAddress6 { get; }

    /// <summary>2001:2::3, or null without IPv6.</summary>
    public IPAddress? ServerAddress6_2 { get; }

    /// <summary>The delay line's log (kept after <c>down</c>; it holds the counters and the <c>dropped SYN-data</c> lines).</summary>
    public string LogPath { get; }

    /// <summary>Why a lab cannot be made here, or null when it can (root, iproute2, /dev/net/tun, lab.sh found).</summary>
    public static string? WhyNot
    {
        get
        {
            if (NetworkNamespace.WhyNot is { } why)
            {
                return why;
            }

            if (!File.Exists("/dev/net/tun"))
            {
                return "needs /dev/net/tun (TUN support) for the lab's delay line";
            }

            return FindScript() is null ? $"cannot find tools/lab/lab.sh above {AppContext.BaseDirectory}" : null;
        }
    }

    /// <summary><c>tools/lab/lab.sh</c> of the repository this code runs from (walking up from the base directory), or null.</summary>
    public static string? FindScript()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tools", "lab", "lab.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Brings a new lab up and returns once it is ready.</summary>
    /// <exception cref="InvalidOperationException"><c>lab.sh up</c> failed (its output is in the message); nothing is left behind.</exception>
    public static async Task<LabNetwork> UpAsync(LabOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LabOptions();
        string script = FindScript() ?? throw new InvalidOperationException($"cannot find tools/lab/lab.sh above {AppContext.BaseDirectory}");
        string name = UniqueName(options.NamePrefix);
        var args = new List<string>
        {
            "up", "--name", name, "--force",
            "--delay-ms", options.DelayMs.ToString(CultureInfo.InvariantCulture),
            "--max-seconds", options.MaxSeconds.ToString(CultureInfo.InvariantCulture),
            "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        foreach (IPAddress address in options.BlackholeSynData)
        {
            args.Add("--blackhole-syn-data");
            args.Add(address.ToString());
        }

        if (!options.Ipv6)
        {
            args.Add("--no-ipv6");
        }

        try
        {
            await RunScriptAsync(script, args, cancellationToken).ConfigureAwait(false);
            string env = await RunScriptAsync(script, ["env", "--name", name], cancellationToken).ConfigureAwait(false);
            var state = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in env.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    state[line[..eq]] = line[(eq + 1)..];
                }
            }

            return new LabNetwork(script, state, options);
        }
        catch
        {
            await RunScriptAsync(script, ["down", "--name", name], CancellationToken.None, throwOnError: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A name for <c>lab.sh --name</c> (at most 12 characters) unique to this process: prefix, pid, counter (base 36).</summary>
    private static string UniqueName(string prefix)
    {
        string name = $"{prefix}{Base36(Environment.ProcessId)}-{Base36(Interlocked.Increment(ref s_counter))}";
        if (name.Length > 12)
        {
            throw new ArgumentException($"Lab name '{name}' is longer than 12 characters: use a shorter NamePrefix.", nameof(prefix));
        }

        return name;
    }

    private static string Base36(int value)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var sb = new StringBuilder();
        do
        {
            sb.Insert(0, Digits[value % 36]);
            value /= 36;
        }
        while (value > 0);
        return sb.ToString();
    }

    /// <summary>Takes the lab down (<c>lab.sh down</c>: stops the delay line and anything left in the namespaces, deletes them). Once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            await RunScriptAsync(Script, ["down", "--name", Name], CancellationToken.None, throwOnError: false).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <c>bash lab.sh ARGS</c> and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">It exited non-zero (with <paramref name="throwOnError"/>), or took over a minute.</exception>
    private static async Task<string> RunScriptAsync(string script, IEnumerable<string> args, CancellationToken cancellationToken, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("bash did not start");
        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM, not SIGKILL: lab.sh up cleans up what it made when it is interrupted.
            _ = Kill(process.Id, 15);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException($"'lab.sh {string.Join(' ', args)}' took too long and was stopped: {(await stderr.ConfigureAwait(false)).Trim()}");
        }

        string output = await stdout.ConfigureAwait(false);
        string errors = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new InvalidOperationException($"'lab.sh {string.Join(' ', args)}' exited {process.ExitCode}: {errors.Trim()} {output.Trim()}");
        }

        return output;
    }

    /// <summary>Sends a signal to a process (<c>kill(2)</c>); 0 on success.</summary>
    internal static int Kill(int pid, int signal) => NativeMethods.kill(pid, signal);

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054 // A plain DllImport: this project does not allow unsafe code, and (int, int) -> int needs no marshalling.
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA1401, IDE1006 // kill(2) keeps its C name.
        internal static extern int kill(int pid, int sig);
#pragma warning restore CA1401, IDE1006
#pragma warning restore SYSLIB1054
    }
}

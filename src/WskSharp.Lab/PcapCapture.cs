using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace WskSharp.Lab;

/// <summary>
/// tcpdump writing a pcap file (<c>-w</c>) inside a network namespace, on one of its devices: the wire's own record,
/// for a real pcap parser to read afterwards. <see cref="StartAsync"/> returns once tcpdump says it is listening;
/// <see cref="StopAsync"/> stops it with SIGINT (so it flushes and closes the file) and waits for it to exit.
/// tcpdump runs with <c>--immediate-mode</c> and <c>-U</c>: every packet is handed over and written as it comes, so
/// none waits in a ring buffer block when the signal arrives. Disposing stops it if it still runs.
/// </summary>
public sealed class PcapCapture : IAsyncDisposable
{
    private const int SigInt = 2;

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<bool> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PcapCapture(Process process, string path, string device, NetworkNamespace ns)
    {
        _process = process;
        FilePath = path;
        Device = device;
        Namespace = ns;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }

            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                _listening.TrySetResult(true);
            }
        };
        process.Exited += (_, _) => _listening.TrySetResult(false);
    }

    /// <summary>The pcap file tcpdump writes.</summary>
    public string FilePath { get; }

    /// <summary>The device captured on.</summary>
    public string Device { get; }

    /// <summary>The namespace captured in.</summary>
    public NetworkNamespace Namespace { get; }

    /// <summary>What tcpdump printed on its standard error (its "listening on" line and, once stopped, its counts).</summary>
    public string Diagnostics
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts tcpdump in <paramref name="ns"/> on <paramref name="device"/> writing <paramref name="path"/>, with the
    /// capture filter <paramref name="filter"/> (BPF syntax; default every TCP segment); returns once it listens.
    /// <paramref name="snapLength"/> bounds the bytes kept per packet: the default 4096 holds any packet of the lab's
    /// 1500-byte MTU whole; raise it for <c>lo</c> (MTU 65536). It also sizes the frames of the kernel's capture ring
    /// (immediate mode uses fixed-size frames): tcpdump's default of 262144 leaves room for only a handful of packets
    /// in the 2 MB default ring, and a burst then shows up as "packets dropped by kernel". The ring here is 16 MB.
    /// </summary>
    /// <exception cref="InvalidOperationException">tcpdump is missing, or exited or did not listen within 10 s.</exception>
    public static async Task<PcapCapture> StartAsync(NetworkNamespace ns, string device, string path, string filter = "tcp", int snapLength = 4096, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ns);
        string tcpdump = SynCapture.TcpdumpPath ?? throw new InvalidOperationException("tcpdump is not installed (apt-get install tcpdump).");
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "netns", "exec", ns.Name, tcpdump,
            "-i", device, "-w", path, "-U", "--immediate-mode", "-n",
            "-s", snapLength.ToString(CultureInfo.InvariantCulture), "-B", "16384",
            "-Z", "root", // do not drop to another user: the file's directory may be root's only
            filter,
        })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var capture = new PcapCapture(process, path, device, ns);
        process.Start();
        process.StandardInput.Close();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        bool listening;
        try
        {
            listening = await capture._listening.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            listening = false;
        }

        if (!listening)
        {
            await capture.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"tcpdump on {device} in {ns.Name} did not start listening: {capture.Diagnostics.Trim()}");
        }

        return capture;
    }

    /// <summary>Stops tcpdump with SIGINT (it writes out what it has and closes the file) and waits until it has exited.</summary>
    /// <exception cref="InvalidOperationException">It did not exit within 10 s after SIGINT (it is then killed).</exception>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        // "ip netns exec" execs tcpdump in its own process, so this pid is tcpdump's.
        _ = LabNetwork.Kill(_process.Id, SigInt);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"tcpdump did not exit within 10 s of SIGINT: {Diagnostics.Trim()}");
        }

        // Let the asynchronous stderr reader deliver tcpdump's last lines (its counts).
        _process.WaitForExit();
    }

    /// <summary>The "N packets dropped by kernel" count tcpdump printed when it stopped, or null if it printed none.</summary>
    public int? DroppedByKernel
    {
        get
        {
            foreach (string line in Diagnostics.Split('\n'))
            {
                int at = line.IndexOf(" packets dropped by kernel", StringComparison.Ordinal);
                if (at > 0 && int.TryParse(line.AsSpan(0, at).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                {
                    return n;
                }
            }

            return null;
        }
    }

    /// <summary>Stops tcpdump if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // It had gone, or was killed.
        }

        _process.Dispose();
    }
}

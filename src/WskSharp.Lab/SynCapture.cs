using System.Diagnostics;

namespace WskSharp.Lab;

/// <summary>
/// tcpdump, inside a namespace, printing every SYN (with its TCP options and length) on an interface: the wire's
/// own account of whether a SYN asked for a Fast Open cookie or carried data. Disposing stops it.
/// </summary>
public sealed class SynCapture : IDisposable
{
    private static readonly string[] TcpdumpPlaces = ["/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/bin/tcpdump", "/sbin/tcpdump"];
    private static readonly string[] CaptureArguments = ["-nn", "-v", "-l", "-U", "--immediate-mode", "-s", "256"];

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SynCapture(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true)
            {
                _listening.TrySetResult();
            }
        };
        process.Exited += (_, _) => _listening.TrySetResult();
    }

    /// <summary>The tcpdump binary, or null if it is not installed.</summary>
    public static string? TcpdumpPath => TcpdumpPlaces.FirstOrDefault(File.Exists);

    /// <summary>Starts capturing SYNs on <paramref name="device"/> in <paramref name="ns"/>; returns once tcpdump listens.</summary>
    public static async Task<SynCapture> StartAsync(NetworkNamespace ns, string device = "lo")
    {
        string tcpdump = TcpdumpPath ?? throw new InvalidOperationException("tcpdump is not installed (apt-get install tcpdump).");
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("netns");
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(ns.Name);
        psi.ArgumentList.Add(tcpdump);
        foreach (string arg in CaptureArguments)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.ArgumentList.Add("-i");
        psi.ArgumentList.Add(device);
        psi.ArgumentList.Add("tcp[13] & 2 != 0"); // SYN set: SYNs and SYN-ACKs.

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var capture = new SynCapture(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await capture._listening.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return capture;
    }

    /// <summary>
    /// The SYN and SYN-ACK packets seen so far, one line each (tcpdump's <c>-v</c> prints the IP header on one line and
    /// the TCP part on the next: they are joined).
    /// </summary>
    public IReadOnlyList<string> Packets
    {
        get
        {
            var packets = new List<string>();
            lock (_lines)
            {
                foreach (string line in _lines)
                {
                    if (line.StartsWith(' ') && packets.Count > 0)
                    {
                        packets[^1] += " | " + line.Trim();
                    }
                    else
                    {
                        packets.Add(line.Trim());
                    }
                }
            }

            return packets;
        }
    }

    /// <summary>Lets tcpdump print what it has (immediate mode: each packet as it comes), then stops it.</summary>
    public async Task StopAsync()
    {
        await Task.Delay(500).ConfigureAwait(false);
        Dispose();
    }

    /// <summary>Stops tcpdump.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
            // It had already gone.
        }

        _process.Dispose();
    }
}

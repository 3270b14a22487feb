using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Tests.Reliability;

/// <summary>
/// `wsk serve --port 0 --count N` (the WSK echo server of src/WskSharp.Cli) in a child process: the server end of the
/// load test when this process may not hold both ends of N connections. The child is killed on Dispose if still running.
/// </summary>
internal sealed partial class ChildEchoServer : IDisposable
{
    private readonly Process _process;
    private readonly Task<string[]> _output;

    private ChildEchoServer(Process process, SockAddr address, Task<string[]> output)
    {
        _process = process;
        Address = address;
        _output = output;
    }

    public SockAddr Address { get; }

    /// <summary>Starts the server, or returns null if no built wsk.dll is found next to this build.</summary>
    public static ChildEchoServer? TryStart(int count)
    {
        string? wsk = FindWsk();
        if (wsk is null)
        {
            return null;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in (string[])[wsk, "serve", "--address", "127.0.0.1", "--port", "0", "--count", $"{count}"])
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start)!;
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null && !line.StartsWith("listening ", StringComparison.Ordinal))
        {
        }

        Match match = line is null ? Match.Empty : Listening().Match(line);
        if (!match.Success)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new InvalidOperationException($"wsk serve did not say where it listens (got '{line}')");
        }

        // Drain the rest (one line per connection) so the child never blocks on a full pipe.
        Task<string[]> output = Task.Run(async () =>
        {
            var lines = new List<string>();
            string? next;
            while ((next = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                lines.Add(next);
            }

            return lines.ToArray();
        });
        var endPoint = new IPEndPoint(IPAddress.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        return new ChildEchoServer(process, SockAddr.FromEndPoint(endPoint), output);
    }

    /// <summary>After the clients closed: waits for the child to finish and counts connections that echoed exactly
    /// <paramref name="bytes"/> bytes without error.</summary>
    public async Task<int> EchoedConnectionsAsync(int bytes)
    {
        string[] lines = await _output.WaitAsync(TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return lines.Count(l => l.EndsWith($": echoed {bytes} B", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    /// <summary>wsk's build next to this test build (same configuration first).</summary>
    private static string? FindWsk()
    {
        string configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string config in (string[])[configuration, configuration == "Release" ? "Debug" : "Release"])
            {
                string candidate = Path.Combine(dir.FullName, "src", "WskSharp.Cli", "bin", config, "net10.0", "wsk.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"^listening ([0-9.]+):([0-9]+)")]
    private static partial Regex Listening();
}

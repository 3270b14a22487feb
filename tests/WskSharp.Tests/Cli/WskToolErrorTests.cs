using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace WskSharp.Tests.Cli;

/// <summary>
/// The built <c>wsk</c> tool's failures, as a user meets them: each ends at once with its documented exit code (the same in
/// every command) and one line that names what failed, the NTSTATUS and a hint, never a stack trace; with <c>--json</c>
/// the error is a JSON object.
/// </summary>
public sealed class WskToolErrorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Serve_on_a_port_in_use_does_not_hang_it_fails_with_WskBind_the_status_and_a_hint()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var (exit, output) = WskTool.Run(["serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.True(exit == 1, $"exit {exit} (-1: it hung):\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.StartsWith("wsk serve: WskBind to 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.Contains("STATUS_ADDRESS_ALREADY_ASSOCIATED", line, StringComparison.Ordinal);
        Assert.Contains("Hint: ", line, StringComparison.Ordinal);
        Assert.Contains("--port 0", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("tfo")]
    public void A_refused_connection_is_exit_3_in_every_command(string command)
    {
        var (exit, output) = WskTool.Run([command, $"127.0.0.1:{RefusingPort()}"]);

        Assert.True(exit == 3, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.StartsWith($"wsk {command}: WskConnectEx to 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.Contains("STATUS_CONNECTION_REFUSED", line, StringComparison.Ordinal);
        Assert.Contains("Hint: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at WskSharp", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("tfo")]
    public void With_json_the_error_is_one_JSON_object_with_the_status_the_hint_and_the_exit_code(string command)
    {
        var (exit, output) = WskTool.Run([command, $"127.0.0.1:{RefusingPort()}", "--json"]);

        Assert.True(exit == 3, $"exit {exit}:\n{output}");
        using JsonDocument doc = JsonDocument.Parse(Assert.Single(WskTool.Lines(output)));
        JsonElement error = doc.RootElement.GetProperty("error");
        Assert.Equal($"wsk {command}", error.GetProperty("command").GetString());
        Assert.Equal("STATUS_CONNECTION_REFUSED", error.GetProperty("status").GetString());
        Assert.Equal("0xC0000236", error.GetProperty("statusCode").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("hint").GetString()));
        Assert.Equal(3, error.GetProperty("exitCode").GetInt32());
    }

    [Theory]
    [InlineData("connect", "127.0.0.1:7", "--count", "0")]
    [InlineData("connect", "127.0.0.1:7", "--count", "-1")]
    [InlineData("tfo", "127.0.0.1:7", "--count", "0")]
    [InlineData("serve", "--port", "0", "--count", "0")]
    [InlineData("serve", "--port", "0", "--count", "-3")]
    [InlineData("connect", "127.0.0.1:7", "--timeout", "0")]
    public void Zero_and_negative_counts_and_timeouts_are_refused_as_usage_errors(params string[] args)
    {
        var (exit, output) = WskTool.Run(args);

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.StartsWith($"wsk {args[0]}: --", line, StringComparison.Ordinal);
        Assert.Contains("must be", line, StringComparison.Ordinal);
        Assert.Contains("Hint: ", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("connect", "127.0.0.1:7", "--count", "many")]
    [InlineData("connect", "127.0.0.1")]
    [InlineData("connect", "127.0.0.1:0")]
    [InlineData("tfo", "[::1]")]
    [InlineData("no-such-command")]
    public void A_command_line_that_does_not_parse_and_a_bad_endpoint_are_both_exit_2_in_one_line(params string[] args)
    {
        var (exit, output) = WskTool.Run(args);

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.StartsWith("wsk", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_network_namespace_that_does_not_exist_is_exit_4_with_a_hint_naming_ip_netns()
    {
        var (exit, output) = WskTool.Run(["connect", "127.0.0.1:7", "--netns", $"wsk-none-{Guid.NewGuid():N}"[..20]]);

        Assert.True(exit == 4, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.Contains("WskRegister in network namespace", line, StringComparison.Ordinal);
        Assert.Contains("STATUS_", line, StringComparison.Ordinal);
        Assert.Contains("ip netns list", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_does_not_resolve_is_WskGetAddressInfo_STATUS_NOT_FOUND_exit_3()
    {
        var (exit, output) = WskTool.Run(["connect", "wsk-test.invalid:7"]); // .invalid never resolves (RFC 6761)

        Assert.True(exit == 3, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.Contains("WskGetAddressInfo(wsk-test.invalid)", line, StringComparison.Ordinal);
        Assert.Contains("STATUS_NOT_FOUND", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_name_is_accepted_where_an_endpoint_is_resolved_through_WskGetAddressInfo()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task echo = EchoOnceAsync(listener);

        var (exit, output) = WskTool.Run(["connect", $"localhost:{((IPEndPoint)listener.LocalEndPoint!).Port}", "--data", "hello by name", "--json"]);

        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        using JsonDocument doc = JsonDocument.Parse(Assert.Single(WskTool.Lines(output)));
        Assert.Equal("hello by name", doc.RootElement.GetProperty("reply").GetString());
        Assert.StartsWith("127.0.0.1:", doc.RootElement.GetProperty("server").GetString(), StringComparison.Ordinal);
        await echo;
    }

    [Theory]
    [InlineData("connect", "--data", "anyone?")]
    [InlineData("tfo", "--count", "1")]
    public async Task A_server_that_accepts_but_never_answers_is_STATUS_IO_TIMEOUT_after_timeout_exit_3(string command, params string[] more)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task<Socket> accepted = listener.AcceptAsync(Ct).AsTask();

        var (exit, output) = WskTool.Run([command, $"localhost:{((IPEndPoint)listener.LocalEndPoint!).Port}", .. more, "--timeout", "1"]);

        Assert.True(exit == 3, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.Contains("WskReceive from 127.0.0.1:", line, StringComparison.Ordinal);
        Assert.Contains("STATUS_IO_TIMEOUT", line, StringComparison.Ordinal);
        Assert.Contains("never answered", line, StringComparison.Ordinal);
        (await accepted).Dispose();
    }

    [Fact]
    public void The_help_lists_the_exit_codes()
    {
        var (exit, output) = WskTool.Run(["--help"]);

        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        Assert.Contains("Exit codes", output, StringComparison.Ordinal);
        string[] lines = WskTool.Lines(output);
        foreach (string code in new[] { "0", "1", "2", "3", "4", "130" })
        {
            Assert.Contains(lines, l => l.StartsWith(code + "  ", StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.StartsWith("3 ", StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public void The_README_documents_the_exit_codes_wsk_help_lists()
    {
        var (_, help) = WskTool.Run(["--help"]);
        string readme = File.ReadAllText(Path.Combine(Net.ReadmeExampleTests.RepositoryRoot(), "README.md"));
        string[] codes = [.. WskTool.Lines(help).SkipWhile(l => !l.StartsWith("Exit codes", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.Length > 0 && char.IsAsciiDigit(l[0])).Select(l => l.Split(' ')[0])];
        Assert.Equal(["0", "1", "2", "3", "4", "130"], codes);
        foreach (string code in codes)
        {
            Assert.Contains($"\n| {code} | ", readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Entering_a_namespace_that_exists_without_root_is_exit_4_with_the_sudo_command_the_user_ran()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && File.Exists("/usr/bin/setpriv"), "Making a namespace and running the tool as another user need root and setpriv.");
        Assert.SkipWhen(Lab.NetworkNamespace.WhyNot is { } why, $"needs network namespaces: {Lab.NetworkNamespace.WhyNot}");
        using var ns = Lab.NetworkNamespace.Create("w17");
        var (exit, output) = ChildProcess.Run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", WskTool.Path, "connect", "127.0.0.1:7", "--netns", ns.Name],
            Path.GetTempPath(), TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath() });

        Assert.True(exit == 4, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.StartsWith("wsk connect: Wsk", line, StringComparison.Ordinal);
        Assert.Contains($" in network namespace '{ns.Name}' failed with STATUS_ACCESS_DENIED", line, StringComparison.Ordinal);
        Assert.EndsWith($"Hint: entering a network namespace needs root: sudo {WskTool.Path} connect 127.0.0.1:7 --netns {ns.Name}.", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connect", "127.0.0.1:7", "--count", "many", "--json")]
    [InlineData("connect", "127.0.0.1:7", "--count", "0", "--json")]
    [InlineData("tfo", "nowhere", "--json")]
    [InlineData("serve", "--port", "70000", "--json")]
    public void With_json_a_usage_error_is_one_JSON_object_too(params string[] args)
    {
        var (exit, output) = WskTool.Run(args);

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        using JsonDocument doc = JsonDocument.Parse(Assert.Single(WskTool.Lines(output)));
        JsonElement error = doc.RootElement.GetProperty("error");
        Assert.Equal($"wsk {args[0]}", error.GetProperty("command").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("status").ValueKind);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("what").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), output);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("hint").GetString()), output);
        Assert.Equal(2, error.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public void A_driver_that_does_not_load_is_exit_2_in_the_tool_s_one_line_with_a_hint()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"wsk-no-driver-{Guid.NewGuid():N}.so");
        var (exit, output) = WskTool.Run(["driver", "run", missing]);

        Assert.True(exit == 2, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.StartsWith($"wsk driver run: loading {missing} failed: ", line, StringComparison.Ordinal);
        Assert.Contains("Hint: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Wsk_lab_status_of_a_lab_that_is_not_up_is_exit_4_set_up_not_the_network_s_3()
    {
        Assert.SkipWhen(Lab.LabNetwork.WhyNot is { } why, $"wsk lab needs root, iproute2 and /dev/net/tun: {Lab.LabNetwork.WhyNot}");
        var (exit, output) = WskTool.Run(["lab", "status", "--name", $"n17{Environment.ProcessId % 100_000}"]);

        Assert.True(exit == 4, $"exit {exit}:\n{output}");
        Assert.Contains("is down", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_C_cancels_a_waiting_command_which_unwinds_reports_and_exits_130()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var psi = new System.Diagnostics.ProcessStartInfo(WskTool.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "connect", $"127.0.0.1:{((IPEndPoint)listener.LocalEndPoint!).Port}", "--data", "wait", "--timeout", "60" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var tool = System.Diagnostics.Process.Start(psi)!;
        Task<string> stderr = tool.StandardError.ReadToEndAsync(Ct);
        using Socket peer = await listener.AcceptAsync(Ct); // connected: the tool now waits for the reply
        byte[] request = new byte[4];
        Assert.Equal(4, await peer.ReceiveAsync(request, SocketFlags.None, Ct)); // ... and has sent its request

        var kill = ChildProcess.Run("kill", ["-INT", tool.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Path.GetTempPath(), TimeSpan.FromSeconds(30));
        Assert.True(kill.ExitCode == 0, kill.Output);
        bool exited = tool.WaitForExit(TimeSpan.FromSeconds(30));
        if (!exited)
        {
            tool.Kill();
        }

        Assert.True(exited, "wsk connect did not end on SIGINT");
        // Killed by the signal, the process would also be "130" (128 + SIGINT); cancelled, it says so in its one line.
        Assert.Equal(130, tool.ExitCode);
        string line = Assert.Single(WskTool.Lines(await stderr));
        Assert.StartsWith("wsk connect: WskReceive", line, StringComparison.Ordinal);
        Assert.Contains("STATUS_CANCELLED", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wsk_tfo_takes_an_IPv6_destination_and_its_tables_print_it_at_60_and_80_columns()
    {
        Assert.SkipUnless(Socket.OSSupportsIPv6, "no IPv6 on this machine");
        using var listener = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        listener.Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        foreach (int columns in new[] { 80, 60 })
        {
            Task echo = EchoOnceAsync(listener);
            var (exit, output) = WskTool.Run(["tfo", $"[::1]:{port}", "--count", "1"],
                new Dictionary<string, string?> { ["COLUMNS"] = columns.ToString(System.Globalization.CultureInfo.InvariantCulture) });

            Assert.True(exit == 0, $"exit {exit} at {columns} columns:\n{output}");
            Assert.Contains($"[::1]:{port}", output, StringComparison.Ordinal); // an address in brackets is text, not markup
            Assert.Matches(@"│ (CookieRequested|SynDataAcknowledged|SynDataNotAcknowledged|SynRetransmitted|ConnectFailed|None) +│", output); // the outcome's name, whole
            Assert.All(output.Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= columns, $"{l.Length} > {columns}: {l}"));
            await echo;
        }
    }

    /// <summary>A loopback port with a socket bound but not listening: a connect there is refused.</summary>
    private static int RefusingPort()
    {
        var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        s_refusing.Add(probe); // kept bound for the test run, so no one else takes the port
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<Socket> s_refusing = [];

    private static async Task EchoOnceAsync(Socket listener)
    {
        using Socket peer = await listener.AcceptAsync(Ct);
        byte[] buffer = new byte[1024];
        int n = await peer.ReceiveAsync(buffer, SocketFlags.None, Ct);
        await peer.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, Ct);
        peer.Shutdown(SocketShutdown.Send);
    }
}

using System.Text.Json;
using WskSharp.Lab;

namespace WskSharp.Tests.Cli;

/// <summary>
/// What the built <c>wsk</c> tool prints when it works: tables that fit the width (80 columns, or <c>COLUMNS</c>) without
/// splitting a status name, tcpdump lines left whole, <c>wsk demo --json</c>'s wire as parsed records, and a hint for
/// the non-root user that names the command they ran.
/// </summary>
public sealed class WskToolOutputTests
{
    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    public void Wsk_info_s_table_fits_the_width_COLUMNS_asks_for(int columns)
    {
        var (exit, output) = WskTool.Run(["info"], new Dictionary<string, string?> { ["COLUMNS"] = columns.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= columns, $"{line.Length} > {columns}: {line}"));
        Assert.Contains("net.ipv4.tcp_fastopen", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Wsk_demo_at_80_columns_keeps_status_names_and_tcpdump_lines_whole()
    {
        RequireNamespaces();
        var (exit, output) = WskTool.Run(["demo"], new Dictionary<string, string?> { ["COLUMNS"] = "80" });

        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        string[] lines = output.Split('\n');
        string[] table = [.. lines.Where(l => l.StartsWith('│') || l.StartsWith('┌') || l.StartsWith('└') || l.StartsWith('├'))];
        Assert.NotEmpty(table);
        Assert.All(table, l => Assert.True(l.TrimEnd('\r').Length <= 80, $"{l.Length} > 80: {l}"));
        Assert.Equal(2, table.Count(l => l.Contains("STATUS_SUCCESS", StringComparison.Ordinal)));
        if (Lab.SynCapture.TcpdumpPath is not null)
        {
            // tcpdump's line for each SYN and SYN-ACK: the addresses, the flags and the sequence number on one line.
            string[] wire = [.. lines.Where(l => l.Contains("Flags [S", StringComparison.Ordinal))];
            Assert.Equal(4, wire.Length);
            Assert.All(wire, l => Assert.Matches(@"\d+\.\d+\.\d+\.\d+\.\d+ > \d+\.\d+\.\d+\.\d+\.\d+: Flags \[S\.?\].* seq \d+", l));
        }
    }

    [Fact]
    public void Wsk_demo_json_wire_is_a_record_per_SYN_and_SYN_ACK_parsed_from_the_capture()
    {
        RequireNamespaces();
        Assert.SkipWhen(Lab.SynCapture.TcpdumpPath is null, "tcpdump is not installed: no capture (bash tools/setup.sh installs it).");
        var (exit, output) = WskTool.Run(["demo", "--json"]);

        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement[] wire = [.. doc.RootElement.GetProperty("wire").EnumerateArray()];
        int requestLength = doc.RootElement.GetProperty("connections")[1].GetProperty("bytesInSyn").GetInt32();
        JsonElement[] syns = [.. wire.Where(w => w.GetProperty("packet").GetString() == "SYN")];
        JsonElement[] synAcks = [.. wire.Where(w => w.GetProperty("packet").GetString() == "SYN-ACK")];
        Assert.Equal(2, syns.Length);
        Assert.Equal(2, synAcks.Length);
        Assert.All(syns, s => Assert.Equal("client-to-server", s.GetProperty("direction").GetString()));
        Assert.All(synAcks, s => Assert.Equal("server-to-client", s.GetProperty("direction").GetString()));

        // Connection 1: the SYN asks for a cookie and carries nothing; the SYN-ACK brings the cookie and acknowledges the SYN.
        Assert.True(syns[0].GetProperty("fastOpen").GetProperty("cookieRequest").GetBoolean());
        Assert.Equal(0, syns[0].GetProperty("payloadLength").GetInt32());
        string cookie = synAcks[0].GetProperty("fastOpen").GetProperty("cookie").GetString()!;
        Assert.Matches("^[0-9a-f]{8,32}$", cookie);
        Assert.Equal(syns[0].GetProperty("seq").GetUInt32() + 1, synAcks[0].GetProperty("ack").GetUInt32());

        // Connection 2: the SYN carries that cookie and the request; the SYN-ACK acknowledges the SYN and its data.
        Assert.Equal(cookie, syns[1].GetProperty("fastOpen").GetProperty("cookie").GetString());
        Assert.Equal(requestLength, syns[1].GetProperty("payloadLength").GetInt32());
        Assert.Equal(JsonValueKind.Null, syns[1].GetProperty("ack").ValueKind);
        Assert.Equal(unchecked(syns[1].GetProperty("seq").GetUInt32() + 1 + (uint)requestLength), synAcks[1].GetProperty("ack").GetUInt32());
    }

    [Fact]
    public void Without_root_the_demo_exits_4_and_its_hint_names_the_command_the_user_ran_under_sudo()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess && File.Exists("/usr/bin/setpriv"), "Running the tool as another user needs root and setpriv.");
        var (exit, output) = ChildProcess.Run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", WskTool.Path, "demo", "--request", "hi there"],
            Path.GetTempPath(), TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath() });

        Assert.True(exit == 4, $"exit {exit}:\n{output}");
        string line = Assert.Single(WskTool.Lines(output));
        Assert.EndsWith($"Hint: run it as root: sudo {WskTool.Path} demo --request 'hi there'.", line, StringComparison.Ordinal);
    }

    private static void RequireNamespaces() =>
        Assert.SkipWhen(NetworkNamespace.WhyNot is { } why, $"wsk demo needs network namespaces: {NetworkNamespace.WhyNot}");
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace WskSharp.Tests.Cli;

/// <summary><c>wsk serve --udp</c> and <c>wsk connect --udp</c>: a datagram echoed through WSK datagram sockets on both ends.</summary>
public sealed class WskToolUdpTests
{
    [Fact]
    public async Task Wsk_serve_udp_echoes_the_datagram_wsk_connect_udp_sends()
    {
        int port = FreeUdpPort();
        string portText = port.ToString(CultureInfo.InvariantCulture);
        Task<(int ExitCode, string Output)> serve = Task.Run(() => WskTool.Run(["serve", "--udp", "--port", portText, "--count", "1", "--json"]),
            TestContext.Current.CancellationToken);

        (int ExitCode, string Output) connect = (-1, "never run");
        for (int attempt = 0; attempt < 60 && !serve.IsCompleted; attempt++)
        {
            connect = WskTool.Run(["connect", "--udp", $"127.0.0.1:{portText}", "--data", "hello udp", "--json", "--timeout", "5"]);
            if (connect.ExitCode == 0)
            {
                break;
            }

            // The server is not bound yet (its port answers unreachable until it is): ask again.
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(connect.ExitCode == 0, $"exit {connect.ExitCode}:\n{connect.Output}");
        using (JsonDocument reply = JsonDocument.Parse(Assert.Single(WskTool.Lines(connect.Output))))
        {
            Assert.Equal("hello udp", reply.RootElement.GetProperty("reply").GetString());
            Assert.Equal(1, reply.RootElement.GetProperty("datagram").GetInt32());
        }

        var (exit, output) = await serve.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        string[] lines = WskTool.Lines(output);
        Assert.Equal(2, lines.Length);
        using JsonDocument listening = JsonDocument.Parse(lines[0]);
        Assert.True(listening.RootElement.GetProperty("udp").GetBoolean());
        using JsonDocument echoed = JsonDocument.Parse(lines[1]);
        Assert.Equal(9, echoed.RootElement.GetProperty("bytesEchoed").GetInt32());
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}

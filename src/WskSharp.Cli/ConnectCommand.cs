using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using WskSharp.FastOpen;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary><c>wsk connect HOST:PORT</c>: one WskConnectEx with the data as its buffer, then the reply, and what Fast Open did.</summary>
internal static class ConnectCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("endpoint") { Description = "Where to connect: HOST:PORT, e.g. 127.0.0.1:7000, localhost:7000 or [::1]:7000 (names through WskGetAddressInfo)." };
        var data = new Option<string?>("--data") { Description = "Text to send in the WskConnectEx buffer (at most 65,535 bytes)." };
        var file = new Option<FileInfo?>("--file") { Description = "A file whose bytes are the WskConnectEx buffer (at most 65,535 bytes)." };
        var fastOpen = new Option<bool>("--fastopen") { Description = "Set TCP_FASTOPEN first, so the buffer rides in the SYN when a cookie is cached." };
        var repeat = new Option<int>("--count") { Description = "Connections to make, one after another (the first gets the cookie); at least 1.", DefaultValueFactory = _ => 1 };
        var netns = new Option<string?>("--netns") { Description = "Create the socket inside this network namespace (needs root)." };
        var timeout = CommandOptions.Timeout("the connection, and then for the reply");
        var json = new Option<bool>("--json") { Description = "Print one JSON object per connection (and errors as JSON)." };
        var udp = new Option<bool>("--udp") { Description = "Send the data as one UDP datagram per --count (WskSendTo) and print each reply (WskReceiveFrom)." };
        var command = new Command("connect", "Connect with WskConnectEx, sending data during connection setup, and print the reply and the Fast Open report.")
        {
            target, data, file, fastOpen, repeat, netns, timeout, json, udp,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(target)!, parse.GetValue(data), parse.GetValue(file), parse.GetValue(fastOpen),
            parse.GetValue(repeat), parse.GetValue(netns), parse.GetValue(timeout), parse.GetValue(json), parse.GetValue(udp), ct));
        return command;
    }

    private static async Task<int> RunAsync(string target, string? text, FileInfo? file, bool fastOpen, int count, string? netns,
        double timeoutSeconds, bool json, bool udp, CancellationToken ct)
    {
        WskSession.SplitEndPoint(target, "endpoint");
        CommandOptions.CheckCount(count);
        TimeSpan timeout = CommandOptions.CheckTimeout(timeoutSeconds);
        byte[] payload = await PayloadAsync(text, file, ct).ConfigureAwait(false);

        using var session = new WskSession(netns);
        SockAddr server = await session.ResolveAsync(target, "endpoint", ct).ConfigureAwait(false);
        if (udp)
        {
            if (fastOpen)
            {
                throw CliError.Usage("--fastopen", "is a TCP option", "leave it out with --udp");
            }

            return await UdpEcho.ConnectAsync(session, server, payload, count, timeout, json, ct).ConfigureAwait(false);
        }

        for (int i = 1; i <= count; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            WskSocket socket = session.BoundConnection(server, fastOpen);
            try
            {
                uint sent = await WskSession.WithTimeoutAsync(timeout, $"WskConnectEx to {server}",
                    "no SYN-ACK came back: is the address right, or does a firewall drop the SYNs?",
                    t => WskSession.ConnectExAsync(socket, server, payload, t), ct).ConfigureAwait(false);
                WskSession.Check("Fast Open report", WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
                byte[] reply = new byte[Math.Max(payload.Length, 1)];
                int received = payload.Length == 0 ? 0
                    : await WskSession.WithTimeoutAsync(timeout, $"WskReceive from {server}",
                        "the server accepted the connection but never answered; is it an echo server (wsk serve)?",
                        t => WskSession.ReceiveAsync(socket, reply, waitAll: true, t), ct).ConfigureAwait(false);
                double ms = stopwatch.Elapsed.TotalMilliseconds;
                string replyText = Encoding.UTF8.GetString(reply, 0, received);
                Console.WriteLine(json
                    ? JsonSerializer.Serialize(new
                    {
                        connection = i, server = server.ToString(), bytesSent = sent, synData = report.SynDataSent,
                        synDataAcked = report.SynDataAcknowledged, bytesInSyn = report.BytesInSyn, failReason = report.FailReason.ToString(),
                        reply = replyText, elapsedMs = Math.Round(ms, 3),
                    })
                    : $"connection {i} to {server}: {report}; reply {received} B \"{replyText}\" in {ms:F2} ms");
            }
            finally
            {
                WskSession.Close(socket);
            }
        }

        return ExitCodes.Ok;
    }

    /// <summary>The WskConnectEx buffer from --data or --file; more than 65,535 bytes, both options, or a file that cannot be read are usage errors.</summary>
    private static async Task<byte[]> PayloadAsync(string? text, FileInfo? file, CancellationToken ct)
    {
        if (text is not null && file is not null)
        {
            throw CliError.Usage("--data and --file", "were both given", "give one of them");
        }

        byte[] payload;
        try
        {
            payload = file is not null ? await File.ReadAllBytesAsync(file.FullName, ct).ConfigureAwait(false) : Encoding.UTF8.GetBytes(text ?? "");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw CliError.Usage("--file", $"could not be read: {ex.Message}");
        }

        return payload.Length <= WskProvider.MaxConnectExBuffer
            ? payload
            : throw CliError.Usage(file is null ? "--data" : "--file", $"is {payload.Length} bytes; WskConnectEx takes at most 65,535");
    }
}

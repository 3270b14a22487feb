using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using WskSharp.Nt;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary><c>wsk connect HOST:PORT</c>: one WskConnectEx with the data as its buffer, then the reply, and what Fast Open did.</summary>
internal static class ConnectCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("endpoint") { Description = "Where to connect: HOST:PORT, e.g. 127.0.0.1:7000 or [::1]:7000." };
        var data = new Option<string?>("--data") { Description = "Text to send in the WskConnectEx buffer (at most 65,535 bytes)." };
        var file = new Option<FileInfo?>("--file") { Description = "A file whose bytes are the WskConnectEx buffer (at most 65,535 bytes)." };
        var fastOpen = new Option<bool>("--fastopen") { Description = "Set TCP_FASTOPEN first, so the buffer rides in the SYN when a cookie is cached." };
        var repeat = new Option<int>("--count") { Description = "Connections to make, one after another (the first gets the cookie).", DefaultValueFactory = _ => 1 };
        var netns = new Option<string?>("--netns") { Description = "Create the socket inside this network namespace (needs root)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per connection." };
        var command = new Command("connect", "Connect with WskConnectEx, sending data during connection setup, and print the reply and the Fast Open report.")
        {
            target, data, file, fastOpen, repeat, netns, json,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(target)!, parse.GetValue(data), parse.GetValue(file), parse.GetValue(fastOpen),
            parse.GetValue(repeat), parse.GetValue(netns), parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(string target, string? text, FileInfo? file, bool fastOpen, int count, string? netns, bool json, CancellationToken ct)
    {
        SockAddr server;
        byte[] payload;
        try
        {
            server = WskSession.ParseEndPoint(target);
            if (text is not null && file is not null)
            {
                throw new ArgumentException("Give --data or --file, not both.");
            }

            payload = file is not null ? await File.ReadAllBytesAsync(file.FullName, ct).ConfigureAwait(false) : Encoding.UTF8.GetBytes(text ?? "");
            if (payload.Length > WskProvider.MaxConnectExBuffer)
            {
                throw new ArgumentException($"The data is {payload.Length} bytes; WskConnectEx takes at most 65,535.");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }

        using var session = new WskSession(netns);
        for (int i = 1; i <= Math.Max(count, 1); i++)
        {
            var stopwatch = Stopwatch.StartNew();
            WskSocket socket = session.BoundConnection(server, fastOpen);
            try
            {
                uint sent = await WskSession.ConnectExAsync(socket, server, payload, ct).ConfigureAwait(false);
                WskSession.Check("Fast Open report", WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
                byte[] reply = new byte[Math.Max(payload.Length, 1)];
                int received = payload.Length == 0 ? 0
                    : await WskSession.ReceiveAsync(socket, reply, waitAll: true, ct).WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
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
            catch (WskCallException ex)
            {
                await Console.Error.WriteLineAsync($"connection {i} to {server}: {ex.Message}").ConfigureAwait(false);
                return ex.Status == NtStatus.ConnectionRefused ? 3 : 1;
            }
            finally
            {
                WskSession.Close(socket);
            }
        }

        return 0;
    }
}

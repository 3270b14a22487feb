using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using WskSharp.FastOpen;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary>
/// <c>wsk tfo HOST:PORT</c>: connections one after another under the adaptive Fast Open policy, each with its report,
/// then what the provider's memory holds (read through WskControlClient, as any WSK client would).
/// </summary>
internal static class TfoCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("endpoint") { Description = "The destination: HOST:PORT (an echo server, e.g. wsk serve --fastopen)." };
        var count = new Option<int>("--count") { Description = "Connections to make, one after another.", DefaultValueFactory = _ => 5 };
        var mode = new Option<WskFastOpenMode>("--mode") { Description = "The provider's Fast Open mode.", DefaultValueFactory = _ => WskFastOpenMode.Adaptive };
        var backoff = new Option<double>("--backoff-seconds") { Description = "The first backoff after a path dropped SYN data.", DefaultValueFactory = _ => 300 };
        var netns = new Option<string?>("--netns") { Description = "Create the sockets inside this network namespace (needs root)." };
        var timeout = CommandOptions.Timeout("each connection, and then for its reply");
        var json = new Option<bool>("--json") { Description = "Print one JSON object (and errors as JSON)." };
        var command = new Command("tfo", "Show the adaptive Fast Open policy at work against one destination: each connection's report, then the provider's memory.")
        {
            target, count, mode, backoff, netns, timeout, json,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(target)!, parse.GetValue(count), parse.GetValue(mode), parse.GetValue(backoff),
            parse.GetValue(netns), parse.GetValue(timeout), parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(string target, int count, WskFastOpenMode mode, double backoffSeconds, string? netns,
        double timeoutSeconds, bool json, CancellationToken ct)
    {
        WskSession.SplitEndPoint(target, "endpoint");
        CommandOptions.CheckCount(count);
        TimeSpan timeout = CommandOptions.CheckTimeout(timeoutSeconds);
        if (backoffSeconds <= 0)
        {
            throw CliError.Usage("--backoff-seconds", $"must be positive (got {backoffSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        }

        var options = new WskProviderOptions
        {
            NetworkNamespace = netns,
            FastOpenMode = mode,
            FastOpenBackoffMinimum = TimeSpan.FromSeconds(backoffSeconds),
            FastOpenBackoffMaximum = TimeSpan.FromSeconds(Math.Max(backoffSeconds, 86_400)),
        };
        using var session = new WskSession(options);
        SockAddr server = await session.ResolveAsync(target, "endpoint", ct).ConfigureAwait(false);
        byte[] request = "wsk tfo probe, 64 bytes of request to see where they ride........"u8.ToArray();
        var reports = new List<(int Number, string Report, double Ms)>();
        for (int i = 1; i <= count; i++)
        {
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            WskSocket socket = session.BoundConnection(server, fastOpen: true);
            try
            {
                await WskSession.WithTimeoutAsync(timeout, $"WskConnectEx to {server}",
                    "no SYN-ACK came back: is the address right, or does a firewall drop the SYNs?",
                    t => WskSession.ConnectExAsync(socket, server, request, t), ct).ConfigureAwait(false);
                WskSession.Check("Fast Open report", WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
                await WskSession.WithTimeoutAsync(timeout, $"WskReceive from {server}",
                    "the server accepted the connection but never answered; is it an echo server (wsk serve --fastopen)?",
                    t => WskSession.ReceiveAsync(socket, new byte[request.Length], waitAll: true, t), ct).ConfigureAwait(false);
                reports.Add((i, report.ToString(), stopwatch.Elapsed.TotalMilliseconds));
            }
            finally
            {
                WskSession.Close(socket);
            }
        }

        IReadOnlyList<WskFastOpenMemoryEntry> memory = WskFastOpenMemory.Query(session.Npi);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                mode = mode.ToString(),
                connections = reports.Select(r => new { number = r.Number, report = r.Report, elapsedMs = Math.Round(r.Ms, 3) }),
                memory = memory.Select(e => new
                {
                    destination = e.Destination.ToString(), lastOutcome = e.LastOutcome.ToString(), failures = e.Failures,
                    backoffUntil = e.BackoffUntil, probing = e.Probing,
                }),
            }));
            return 0;
        }

        var connections = new Table().AddColumns("#", "Fast Open report", "ms");
        connections.Columns[2].NoWrap();
        foreach (var (number, report, ms) in reports)
        {
            connections.AddRow(number.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(report), ms.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(connections);
        // One row per destination; narrower than that needs (COLUMNS=60), the fields one under another, so that no
        // address, outcome name or time is cut.
        string[] fields = ["destination", "last outcome", "failures", "held back until", "probing"];
        static string[] Cells(WskFastOpenMemoryEntry e) =>
        [
            Markup.Escape(e.Destination.ToString()), e.LastOutcome.ToString(), e.Failures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            e.BackoffUntil?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "-", e.Probing ? "yes" : "no",
        ];
        var table = new Table().AddColumns(fields);
        foreach (WskFastOpenMemoryEntry e in memory)
        {
            table.AddRow(Cells(e));
        }

        AnsiConsole.MarkupLine($"[bold]Fast Open memory[/] (mode {mode}):");
        CliConsole.WriteTable(table, () =>
        {
            var narrow = new Table().AddColumn("").AddColumn(new TableColumn("").NoWrap()).HideHeaders();
            foreach (WskFastOpenMemoryEntry e in memory)
            {
                if (narrow.Rows.Count > 0)
                {
                    narrow.AddEmptyRow();
                }

                string[] cells = Cells(e);
                for (int f = 0; f < fields.Length; f++)
                {
                    narrow.AddRow(fields[f], cells[f]);
                }
            }

            return narrow;
        });
        return 0;
    }
}

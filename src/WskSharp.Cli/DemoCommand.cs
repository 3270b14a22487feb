using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using WskSharp.FastOpen;
using WskSharp.Lab;
using WskSharp.Lab.Wire;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary>
/// <c>wsk demo</c>: in a network namespace of its own with Fast Open on inside it, a Fast Open echo server and two
/// WskConnectEx connections with a request buffer. The first gets a cookie; the second carries the request in its
/// SYN. It prints what TCP_INFO and the wire (tcpdump) say of each, and removes everything it made.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object (connections with synData, synDataAcked, bytesSent, reply) instead of tables." };
        var request = new Option<string>("--request") { Description = "The request each connection sends in its WskConnectEx buffer.", DefaultValueFactory = _ => "GET /hello HTTP/1.0 from WskConnectEx" };
        var timeout = CommandOptions.Timeout("each connection, and then for its reply");
        var command = new Command("demo", "Show real TCP Fast Open: two WskConnectEx connections in a namespace of the demo's own; the second request rides in the SYN (root).")
        {
            json,
            request,
            timeout,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json), parse.GetValue(request)!, parse.GetValue(timeout), ct));
        return command;
    }

    private sealed record ConnectionResult(int Number, bool SynData, bool SynDataAcked, bool CookieRequested, uint BytesInSyn,
        uint BytesSent, string FailReason, string Reply, double ElapsedMs, string Status);

    private static async Task<int> RunAsync(bool json, string requestText, double timeoutSeconds, CancellationToken ct)
    {
        byte[] request = Encoding.UTF8.GetBytes(requestText);
        if (request.Length is 0 or > 65_535)
        {
            throw CliError.Usage("--request", $"is {request.Length} bytes; it must be 1 to 65,535 (WskConnectEx's limit)");
        }

        TimeSpan timeout = CommandOptions.CheckTimeout(timeoutSeconds);
        if (NetworkNamespace.WhyNot is { } why)
        {
            throw new CliError("the demo's network namespace", $"cannot be made: {why}",
                Environment.IsPrivilegedProcess ? "bash tools/setup.sh installs what is missing (iproute2, tcpdump)" : $"run it as root: {Invocation.Sudo()}",
                ExitCodes.Setup);
        }

        using var ns = NetworkNamespace.Create("wsk-demo");
        // Ctrl-C or a kill still removes the namespace: ProcessExit runs on SIGTERM, and System.CommandLine turns
        // Ctrl-C into cancellation of ct, which unwinds through the finally blocks below.
        using var onExit = new ExitGuard(ns);
        await using FastOpenEchoServer server = FastOpenEchoServer.Start(IPAddress.Loopback, ns);
        // Text: tcpdump's own lines. JSON: a pcap file read with a real parser, so that each SYN and SYN-ACK is a record.
        string pcapPath = Path.Combine(Path.GetTempPath(), $"wsk-demo-{Environment.ProcessId}.pcap");
        SynCapture? capture = SynCapture.TcpdumpPath is null || json ? null : await SynCapture.StartAsync(ns).ConfigureAwait(false);
        PcapCapture? pcap = SynCapture.TcpdumpPath is null || !json ? null
            : await PcapCapture.StartAsync(ns, "lo", pcapPath, "tcp[13] & 2 != 0", snapLength: 65_535, ct).ConfigureAwait(false);
        var results = new List<ConnectionResult>();
        try
        {
            using var session = new WskSession(ns.Name);
            for (int i = 1; i <= 2; i++)
            {
                ct.ThrowIfCancellationRequested();
                results.Add(await ConnectOnceAsync(session, i, server.EndPoint, request, timeout, ct).ConfigureAwait(false));
            }
        }
        finally
        {
            if (capture is not null)
            {
                await capture.StopAsync().ConfigureAwait(false);
            }

            if (pcap is not null)
            {
                await pcap.StopAsync().ConfigureAwait(false);
                await pcap.DisposeAsync().ConfigureAwait(false);
            }
        }

        IReadOnlyList<string> syns = capture?.Packets ?? [];
        bool ok = results.Count == 2 && results[1].SynData && results[1].SynDataAcked && results[1].Reply == requestText
            && results.All(r => r.Reply == requestText);
        if (json)
        {
            Print(JsonSerializer.Serialize(new
            {
                ok,
                @namespace = ns.Name,
                server = server.EndPoint.ToString(),
                tcpFastopenSysctl = ns.ReadSysctl("net.ipv4.tcp_fastopen"),
                connections = results.Select(r => new
                {
                    number = r.Number,
                    status = r.Status,
                    synData = r.SynData,
                    synDataAcked = r.SynDataAcked,
                    cookieRequested = r.CookieRequested,
                    bytesInSyn = r.BytesInSyn,
                    bytesSent = r.BytesSent,
                    failReason = r.FailReason,
                    reply = r.Reply,
                    elapsedMs = Math.Round(r.ElapsedMs, 3),
                }),
                wire = pcap is null ? [] : Wire(pcapPath, server.EndPoint),
            }));
        }
        else
        {
            Render(ns, server, results, syns, ok);
        }

        return ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static async Task<ConnectionResult> ConnectOnceAsync(WskSession session, int number, IPEndPoint server, byte[] request, TimeSpan timeout, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        SockAddr target = SockAddr.FromEndPoint(server);
        WskSocket socket = session.BoundConnection(target, fastOpen: true);
        try
        {
            uint sent = await WskSession.WithTimeoutAsync(timeout, $"WskConnectEx to {target}", "the demo's own echo server did not answer the SYN",
                t => WskSession.ConnectExAsync(socket, target, request, t), ct).ConfigureAwait(false);
            WskSession.Check("Fast Open report", WskFastOpen.QueryReport(socket, out WskFastOpenReport report));
            byte[] reply = new byte[request.Length];
            int received = await WskSession.WithTimeoutAsync(timeout, $"WskReceive from {target}", "the demo's own echo server accepted but never answered",
                t => WskSession.ReceiveAsync(socket, reply, waitAll: true, t), ct).ConfigureAwait(false);
            double elapsed = stopwatch.Elapsed.TotalMilliseconds;
            return new ConnectionResult(number, report.SynDataSent, report.SynDataAcknowledged,
                (report.Flags & WskFastOpenFlags.CookieRequested) != 0, report.BytesInSyn, sent,
                report.FailReason.ToString(), Encoding.UTF8.GetString(reply, 0, received), elapsed, "STATUS_SUCCESS");
        }
        finally
        {
            WskSession.Close(socket);
        }
    }

    /// <summary>Each SYN and SYN-ACK of the capture as a record: direction, sequence and acknowledgment numbers, payload
    /// length, and the Fast Open option (kind, cookie request or cookie). The file is removed once read.</summary>
    private static object[] Wire(string pcapPath, IPEndPoint server)
    {
        try
        {
            return [.. PcapTrace.Read(pcapPath).Segments.Where(s => s.Syn).Select(s => new
            {
                packet = s.IsSynAck ? "SYN-ACK" : "SYN",
                direction = s.Source.Equals(server) ? "server-to-client" : "client-to-server",
                source = s.Source.ToString(),
                destination = s.Destination.ToString(),
                seq = s.Sequence,
                ack = s.Ack ? s.AcknowledgmentNumber : (uint?)null,
                payloadLength = s.Payload.Length,
                fastOpen = s.FastOpen is not { } tfo ? null : new
                {
                    kind = tfo.Kind,
                    cookieRequest = tfo.IsCookieRequest,
                    cookie = tfo.HasCookie ? Convert.ToHexStringLower(tfo.Cookie) : null,
                },
            })];
        }
        finally
        {
            File.Delete(pcapPath);
        }
    }

    private static void Render(NetworkNamespace ns, FastOpenEchoServer server, List<ConnectionResult> results, IReadOnlyList<string> syns, bool ok)
    {
        AnsiConsole.MarkupLine($"[bold]WskSharp demo[/]: namespace [cyan]{ns.Name}[/] (net.ipv4.tcp_fastopen={ns.ReadSysctl("net.ipv4.tcp_fastopen")} inside it only), Fast Open echo server on [cyan]{server.EndPoint}[/]");
        // Eight columns in 80: the status name never splits (NoWrap); the words of the others may wrap. Narrower (COLUMNS=60),
        // one column per connection, so that no status, fail reason or number is cut.
        string[] fields = ["status", "SYN data", "acked", "in SYN", "sent", "fail reason", "ms"];
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string[] Cells(ConnectionResult r) =>
        [
            Markup.Escape(r.Status),
            r.SynData ? "[green]yes[/]" : r.CookieRequested ? "no, cookie asked" : "no",
            r.SynDataAcked ? "[green]yes[/]" : "no", r.BytesInSyn.ToString(inv), r.BytesSent.ToString(inv), r.FailReason,
            r.ElapsedMs.ToString("F2", inv),
        ];
        var table = new Table().AddColumns(["#", .. fields]);
        table.Columns[1].NoWrap();
        foreach (ConnectionResult r in results)
        {
            table.AddRow([r.Number.ToString(inv), .. Cells(r)]);
        }

        CliConsole.WriteTable(table, () =>
        {
            var narrow = new Table().AddColumn("");
            foreach (ConnectionResult r in results)
            {
                narrow.AddColumn(new TableColumn($"connection {r.Number.ToString(inv)}").NoWrap());
            }

            for (int f = 0; f < fields.Length; f++)
            {
                narrow.AddRow([fields[f], .. results.Select(r => Cells(r)[f])]);
            }

            return narrow;
        });
        foreach (ConnectionResult r in results)
        {
            AnsiConsole.MarkupLine($"  reply {r.Number}: [cyan]{Markup.Escape(r.Reply)}[/]");
        }

        if (syns.Count > 0)
        {
            AnsiConsole.MarkupLine("[bold]On the wire[/] (tcpdump, SYN and SYN-ACK packets):");
            foreach (string line in syns)
            {
                CliConsole.WriteUnwrapped("  " + line);
            }
        }
        else
        {
            AnsiConsole.MarkupLine("[yellow]tcpdump is not installed: no wire capture (apt-get install tcpdump).[/]");
        }

        AnsiConsole.MarkupLine(ok
            ? "[green]The second connection's request rode in its SYN and the server acknowledged it (TCP_INFO: TCPI_OPT_SYN_DATA).[/]"
            : "[red]The second connection did not carry acknowledged SYN data; see the table.[/]");
    }

    private static void Print(string text) => Console.Out.WriteLine(text);

    /// <summary>Deletes the namespace if the process is ended (SIGTERM) before the normal path does.</summary>
    private sealed class ExitGuard : IDisposable
    {
        private readonly NetworkNamespace _ns;

        public ExitGuard(NetworkNamespace ns)
        {
            _ns = ns;
            AppDomain.CurrentDomain.ProcessExit += OnExit;
        }

        private void OnExit(object? sender, EventArgs e) => _ns.Dispose();

        public void Dispose() => AppDomain.CurrentDomain.ProcessExit -= OnExit;
    }
}

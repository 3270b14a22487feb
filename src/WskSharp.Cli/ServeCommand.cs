using System.CommandLine;
using System.Text.Json;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary><c>wsk serve</c>: an echo server on WskSharp's own listen/accept/receive/send calls, optionally a Fast Open server.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var address = new Option<string>("--address") { Description = "Address or host name to listen on (names through WskGetAddressInfo).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0: any free port, printed).", DefaultValueFactory = _ => 7000 };
        var fastOpen = new Option<bool>("--fastopen") { Description = "Turn on the kernel's Fast Open server queue (TCP_FASTOPEN through WskControlSocket), so SYN data is accepted." };
        var count = new Option<int?>("--count") { Description = "Stop after this many connections, at least 1 (default: until Ctrl-C)." };
        var netns = new Option<string?>("--netns") { Description = "Create the sockets inside this network namespace (as 'ip netns' names it; needs root)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per connection instead of text (and errors as JSON)." };
        var udp = new Option<bool>("--udp") { Description = "Echo UDP datagrams instead (WskReceiveFrom, WskSendTo back to the sender); --count counts datagrams." };
        var command = new Command("serve", "Run an echo server on WSK listen/accept (optionally accepting Fast Open SYN data).")
        {
            address, port, fastOpen, count, netns, json, udp,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(address)!, parse.GetValue(port), parse.GetValue(fastOpen),
            parse.GetValue(count), parse.GetValue(netns), parse.GetValue(json), parse.GetValue(udp), ct));
        return command;
    }

    private static async Task<int> RunAsync(string address, int port, bool fastOpen, int? count, string? netns, bool json, bool udp, CancellationToken ct)
    {
        if (port is < 0 or > 65535)
        {
            throw CliError.Usage("--port", $"must be 0-65535 (got {port})", "0 picks any free port");
        }

        if (count is { } n)
        {
            CommandOptions.CheckCount(n);
        }

        using var session = new WskSession(netns);
        SockAddr local = await session.ResolveAsync(address, port, ct).ConfigureAwait(false);
        if (udp)
        {
            if (fastOpen)
            {
                throw CliError.Usage("--fastopen", "is a TCP option", "leave it out with --udp");
            }

            return await UdpEcho.ServeAsync(session, local, count, json, ct).ConfigureAwait(false);
        }

        WskSocket listener = session.Listener(local, fastOpen);
        try
        {
            SockAddr bound = WskSession.LocalAddress(listener);
            Console.WriteLine(json
                ? JsonSerializer.Serialize(new { listening = bound.ToString(), fastOpen })
                : $"listening {bound}{(fastOpen ? " (Fast Open server on)" : "")}");
            var connections = new List<Task>();
            for (int served = 0; count is null || served < count; served++)
            {
                WskSocket accepted;
                try
                {
                    accepted = await WskSession.AcceptAsync(listener, ct).ConfigureAwait(false);
                }
                catch (WskCallException) when (ct.IsCancellationRequested)
                {
                    break;
                }

                connections.Add(EchoAsync(accepted, served + 1, json, ct));
            }

            await Task.WhenAll(connections).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        finally
        {
            WskSession.Close(listener);
        }
    }

    private static async Task EchoAsync(WskSocket socket, int number, bool json, CancellationToken ct)
    {
        long echoed = 0;
        string remote = "?";
        string? error = null;
        try
        {
            var irp = new WskSharp.Nt.Irp();
            if (((WskProviderConnectionDispatch)socket.Dispatch).WskGetRemoteAddress(socket, out SockAddr peer, irp) == WskSharp.Nt.NtStatus.Success)
            {
                remote = peer.ToString();
            }

            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = await WskSession.ReceiveAsync(socket, buffer, waitAll: false, ct).ConfigureAwait(false)) > 0)
            {
                await WskSession.SendAsync(socket, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                echoed += n;
            }
        }
        catch (WskCallException ex)
        {
            error = ex.Message;
        }
        finally
        {
            WskSession.Close(socket);
        }

        Console.WriteLine(json
            ? JsonSerializer.Serialize(new { connection = number, remote, bytesEchoed = echoed, error })
            : $"connection {number} from {remote}: echoed {echoed} B{(error is null ? "" : $" ({error})")}");
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Cli;

/// <summary><c>wsk connect --udp</c> and <c>wsk serve --udp</c>: the same echo exchange over a WSK datagram socket (WskSendTo,
/// WskReceiveFrom), one datagram each way.</summary>
internal static class UdpEcho
{
    /// <summary>Sends the payload as one datagram per round and prints the reply each time.</summary>
    public static async Task<int> ConnectAsync(WskSession session, SockAddr server, byte[] payload, int count, TimeSpan timeout, bool json, CancellationToken ct)
    {
        WskSocket socket = Bound(session, Wildcard(server.Family));
        try
        {
            byte[] reply = new byte[64 * 1024];
            for (int i = 1; i <= count; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                await SendToAsync(socket, payload, server, ct).ConfigureAwait(false);
                (int received, SockAddr from) = await WskSession.WithTimeoutAsync(timeout, $"WskReceiveFrom {server}",
                    "no datagram came back: is a UDP echo server (wsk serve --udp) there?",
                    t => ReceiveFromAsync(socket, reply, t), ct).ConfigureAwait(false);
                double ms = stopwatch.Elapsed.TotalMilliseconds;
                string text = Encoding.UTF8.GetString(reply, 0, received);
                Console.WriteLine(json
                    ? JsonSerializer.Serialize(new { datagram = i, server = server.ToString(), from = from.ToString(), bytesSent = payload.Length, reply = text, elapsedMs = Math.Round(ms, 3) })
                    : $"datagram {i} to {server}: reply {received} B \"{text}\" from {from} in {ms:F2} ms");
            }

            return ExitCodes.Ok;
        }
        finally
        {
            WskSession.Close(socket);
        }
    }

    /// <summary>Echoes each datagram back to its sender, until <paramref name="count"/> datagrams (or Ctrl-C).</summary>
    public static async Task<int> ServeAsync(WskSession session, SockAddr local, int? count, bool json, CancellationToken ct)
    {
        WskSocket socket = Bound(session, local);
        try
        {
            WskSession.Check("WskGetLocalAddress", Dg(socket).WskGetLocalAddress(socket, out SockAddr bound, new Irp()));
            Console.WriteLine(json ? JsonSerializer.Serialize(new { listening = bound.ToString(), udp = true }) : $"listening {bound} (udp)");
            byte[] buffer = new byte[64 * 1024];
            for (int served = 1; count is null || served <= count; served++)
            {
                int received;
                SockAddr from;
                try
                {
                    (received, from) = await ReceiveFromAsync(socket, buffer, ct).ConfigureAwait(false);
                }
                catch (WskCallException) when (ct.IsCancellationRequested)
                {
                    break;
                }
                catch (WskCallException ex) when (ex.Status == NtStatus.PortUnreachable || ex.Status == NtStatus.BufferOverflow)
                {
                    served--; // An earlier reply's destination went away, or a datagram too long: not a datagram to echo.
                    continue;
                }

                await SendToAsync(socket, buffer.AsMemory(0, received), from, ct).ConfigureAwait(false);
                Console.WriteLine(json
                    ? JsonSerializer.Serialize(new { datagram = served, remote = from.ToString(), bytesEchoed = received })
                    : $"datagram {served} from {from}: echoed {received} B");
            }

            return ExitCodes.Ok;
        }
        finally
        {
            WskSession.Close(socket);
        }
    }

    private static WskSocket Bound(WskSession session, SockAddr local)
    {
        var irp = new Irp();
        WskSession.Check("WskSocket (datagram)", session.Npi.Dispatch.WskSocket(session.Npi.Client, local.Family, Ws2Def.SOCK_DGRAM, Ws2Def.IPPROTO_UDP,
            WskConstants.WSK_FLAG_DATAGRAM_SOCKET, null, null, null, null, null, irp));
        var socket = (WskSocket)irp.IoStatus.Pointer!;
        NtStatus status = Dg(socket).WskBind(socket, local, 0, new Irp());
        if (status != NtStatus.Success)
        {
            WskSession.Close(socket);
            WskSession.Check($"WskBind {local}", status);
        }

        return socket;
    }

    private static async Task SendToAsync(WskSocket socket, Memory<byte> data, SockAddr to, CancellationToken ct)
    {
        var irp = new Irp();
        await WskSession.CallAsync($"WskSendTo {to}", Dg(socket).WskSendTo(socket, new WskBuf(new Mdl(data)), 0, to, 0, default, irp), irp, ct)
            .ConfigureAwait(false);
    }

    private static async Task<(int Received, SockAddr From)> ReceiveFromAsync(WskSocket socket, Memory<byte> buffer, CancellationToken ct)
    {
        var irp = new Irp();
        var from = new StrongBox<SockAddr>();
        await WskSession.CallAsync("WskReceiveFrom", Dg(socket).WskReceiveFrom(socket, new WskBuf(new Mdl(buffer)), 0, from, null, default, null, irp), irp, ct)
            .ConfigureAwait(false);
        return ((int)irp.IoStatus.Information, from.Value);
    }

    private static SockAddr Wildcard(ushort family) => family == Ws2Def.AF_INET6 ? SockAddr.Inet6(new byte[16], 0) : SockAddr.Inet([0, 0, 0, 0], 0);

    private static WskProviderDatagramDispatch Dg(WskSocket socket) => (WskProviderDatagramDispatch)socket.Dispatch;
}
